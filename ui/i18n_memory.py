"""Strings of the memory budget, merged into ui.i18n.STRINGS (the app's one translation table):
key -> (English, Simplified Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {
    "err.memory": (
        "The server ran out of memory for this run: at most {limit} per run and {total} for all "
        "the runs it keeps together. Lower T, the batch, the hidden size, the layers or the input "
        "width, or try again when fewer learners run large settings.",
        "服务器没有足够的内存完成本次运行：每次运行最多 {limit}，保存的所有运行合计最多 {total}。"
        "请减小 T、批大小、隐藏维度、层数或输入维度，或在运行大尺寸设置的学习者较少时再试。"),
    "err.busy": (
        "The server is busy making other learners' large runs ({wanted} of its {capacity} for "
        "runs in progress would be needed). Try again in a moment, or choose smaller settings.",
        "服务器正忙于计算其他学习者的大规模运行（需要其 {capacity} 运行内存中的 {wanted}）。"
        "请稍后再试，或选择较小的设置。"),
    "gr.too_heavy": (
        "{cells}: left out. Backpropagating through the whole batch would need about {need} of "
        "memory at its peak; at most {limit} per run. Lower the batch size, T or the hidden size.",
        "{cells}：未计算。对整个批次做反向传播在峰值时约需 {need} 内存；每次运行最多 {limit}。"
        "请减小批大小、T 或隐藏维度。"),
    "gr.check_too_heavy": (
        "{cells}: not checked. The models and their gradients alone would need about {need} of "
        "memory; at most {limit} per run. Lower the hidden size or the layers.",
        "{cells}：未检查。仅模型及其梯度就约需 {need} 内存；每次运行最多 {limit}。"
        "请减小隐藏维度或层数。"),
}

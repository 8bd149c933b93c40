"""Strings of the memory budget, merged into ui.i18n.STRINGS (the app's one translation table):
key -> (English, Simplified Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {
    "err.memory": (
        "The server ran out of memory for this run: at most {limit} per run and {total} for all "
        "the runs it keeps together. Lower T, the batch, the hidden size, the layers or the input "
        "width, or try again when fewer learners run large settings.",
        "服务器没有足够的内存完成本次运行：每次运行最多 {limit}，保存的所有运行合计最多 {total}。"
        "请减小 T、批大小、隐藏维度、层数或输入维度，或在运行大尺寸设置的学习者较少时再试。"),
}

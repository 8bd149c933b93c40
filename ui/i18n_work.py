"""Strings of the work budget (the gradient check, the Gradients view's Jacobians, training),
merged into ui.i18n.STRINGS (the app's one translation table): key -> (English, Simplified
Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {
    "wk.seconds": ("{n} s", "{n} 秒"),
    "wk.minutes": ("{n} min", "{n} 分钟"),
    "wk.hours": ("{n} h", "{n} 小时"),
    "wk.days": ("{n} days", "{n} 天"),
    "gr.too_much_work": (
        "{cells}: left out. Multiplying the step Jacobians and taking their singular values "
        "takes about {ops} operations (about T × S³ × 26, here T = {T}, S = {S}): about "
        "{estimate} of one core, over the limit of {limit} per cell. Shorten the sequence or "
        "use fewer hidden units.",
        "{cells}：未计算。把各步的雅可比矩阵相乘并计算其奇异值约需 {ops} 次运算"
        "（约 T × S³ × 26，此处 T = {T}，S = {S}）：单核约 {estimate}，超过了每种单元 {limit} 的上限。"
        "请缩短序列或减少隐藏单元。"),
    "gr.check_caption_budget": (
        "Compares the analytic gradients with central differences (f(w+ε) − f(w−ε)) / 2ε on a "
        "few entries of every tensor. Each perturbed entry costs two forward passes; a check "
        "that would take more than {limit} of one core checks a sample and says which.",
        "在每个张量的若干元素上，把解析梯度与中心差分 (f(w+ε) − f(w−ε)) / 2ε 比较。"
        "每扰动一个元素要做两次前向传播；单核超过 {limit} 的检验只检验一部分，并说明检验了哪些。"),
    "gr.check_sample_one": ("sample 0", "样本 0"),
    "gr.check_sample_all": ("all {B} samples", "全部 {B} 个样本"),
    "gr.check_sample_first": ("the first {b} of {B} samples", "前 {b} 个样本（共 {B} 个）"),
    "gr.check_steps_all": ("all {T} steps", "全部 {T} 个时间步"),
    "gr.check_steps_first": ("the first {t} of {T} steps", "前 {t} 个时间步（共 {T} 个）"),
    "gr.check_reduced": (
        "{cell}: checked {e} entries of each of the {n} tensors on {steps} of {samples}. The "
        "full check ({full_e} entries of each tensor on every step and sample) would take about "
        "{full} of one core; the limit is {limit}.",
        "{cell}：在{samples}的{steps}上检验了全部 {n} 个张量各 {e} 个元素。完整的检验"
        "（每个张量 {full_e} 个元素，所有时间步和样本）单核约需 {full}；上限为 {limit}。"),
    "gr.check_reduced_some": (
        "{cell}: checked {e} entry of {k} of the {n} tensors ({names}) on {steps} of {samples}. "
        "The full check ({full_e} entries of each tensor on every step and sample) would take "
        "about {full} of one core; the limit is {limit}.",
        "{cell}：在{samples}的{steps}上检验了 {n} 个张量中的 {k} 个（{names}），各 {e} 个元素。"
        "完整的检验（每个张量 {full_e} 个元素，所有时间步和样本）单核约需 {full}；上限为 {limit}。"),
    "tr.steps_reduced": (
        "{n:,} steps of this network would take about {full} of one core; a training run may "
        "take {limit}, so this one trains {m:,} steps. Fewer hidden units, a smaller batch or "
        "a shorter sequence allow more steps.",
        "这个网络训练 {n:,} 步单核约需 {full}；一次训练最多 {limit}，所以这次训练 {m:,} 步。"
        "减少隐藏单元、减小批量或缩短序列可以训练更多步。"),
    "tr.sweep_reduced": (
        "At these sizes the comparison ({n:,} steps for each cell and lag) would take about "
        "{full} of one core; the limit is {limit}, so each cell and lag trains {m:,} steps.",
        "在这样的规模下，这个比较（每种单元、每个延迟各 {n:,} 步）单核约需 {full}；"
        "上限为 {limit}，所以每种单元、每个延迟各训练 {m:,} 步。"),
}

"""Every user-facing string, in English and Simplified Chinese (the seed articles' language).

One table: `STRINGS[key] = (english, chinese)`, filled in with `str.format` parameters.
A test fails when a key lacks either language or a page uses a literal string.
"""

from __future__ import annotations

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}

STRINGS: dict[str, tuple[str, str]] = {
    # -- app and navigation --------------------------------------------------------------------
    "app.title": ("RNN Explorer", "RNN 探索器"),
    "app.tagline": (
        "Set the sizes of a vanilla RNN and the sequence it reads, step through the recurrence "
        "one time step at a time, and see every tensor with its shape and its numbers. Every "
        "number comes from a NumPy core that agrees with `torch.nn.RNN` to the last digits.",
        "设定一个普通 RNN 的尺寸和它读入的序列，一个时间步一个时间步地走过递推，"
        "看到每个张量的形状和数值。所有数字都来自一个 NumPy 内核，它与 `torch.nn.RNN` "
        "的结果一致到最后几位。"),
    "app.equations": ("The two equations", "两个公式"),
    "app.equations_note": (
        "`x_t` is the input at step t, `h_{t-1}` the previous hidden state; the same weights "
        "are used at every step. Shapes: `W_ih [hidden, input]`, `W_hh [hidden, hidden]`, "
        "`W_ho [output, hidden]`, `b_ih`, `b_hh [hidden]`, `b_ho [output]`.",
        "`x_t` 是第 t 步的输入，`h_{t-1}` 是上一步的隐藏状态；每一步共用同一组权重。形状："
        "`W_ih [hidden, input]`、`W_hh [hidden, hidden]`、`W_ho [output, hidden]`、"
        "`b_ih`、`b_hh [hidden]`、`b_ho [output]`。"),
    "app.views": ("The views", "视图"),
    "app.start": ("Start with **Data flow**, then **Recurrence**. The sidebar sets the model and "
                  "the sequence for every view; the link in *Share this view* reproduces exactly "
                  "what you see.",
                  "先看 **数据流**，再看 **递推**。侧边栏为所有视图设定模型和序列；"
                  "“分享此视图”中的链接能原样重现你看到的内容。"),
    "app.coming": ("coming next", "即将推出"),
    "nav.title": ("Views", "视图"),
    "nav.home": ("Home", "首页"),
    "nav.data_flow": ("1 · Data flow", "1 · 数据流"),
    "nav.recurrence": ("2 · Recurrence", "2 · 递推"),
    "nav.gradients": ("3 · Gradients through time", "3 · 随时间的梯度"),
    "nav.architectures": ("4 · Architectures", "4 · 结构"),
    "nav.encoder_decoder": ("5 · Encoder-decoder", "5 · 编码器-解码器"),
    "nav.training": ("6 · Training", "6 · 训练"),
    "view.data_flow": ("One step of the recurrence with every tensor drawn and labelled with its "
                       "shape, the numbers of one unit plugged in, the parameter count and the "
                       "equivalent PyTorch code.",
                       "递推的一步：画出每个张量并标注其形状，代入某个单元的具体数值，"
                       "列出参数数量和等价的 PyTorch 代码。"),
    "view.recurrence": ("Step through time: the unrolled chain, what each term contributes, the "
                        "hidden state as a heatmap, outputs, saturation, the trajectory and "
                        "fading memory.",
                        "随时间逐步前进：展开的链、每一项的贡献、隐藏状态热力图、输出、饱和、"
                        "轨迹以及逐渐消退的记忆。"),
    "view.gradients": ("Backpropagation through time: gradients that vanish or explode, and "
                       "LSTM and GRU beside the vanilla RNN.",
                       "随时间反向传播：梯度的消失与爆炸，以及与普通 RNN 并列的 LSTM 和 GRU。"),
    "view.architectures": ("N-to-N, N-to-1, 1-to-N, N-to-M, bidirectional and stacked RNNs.",
                           "N 对 N、N 对 1、1 对 N、N 对 M、双向和堆叠 RNN。"),
    "view.encoder_decoder": ("The context vector an encoder hands its decoder, and attention.",
                             "编码器交给解码器的上下文向量，以及注意力机制。"),
    "view.training": ("Train small RNNs, LSTMs and GRUs live and watch them learn: a noisy sine, "
                      "a symbol to remember, text to imitate, a sequence to copy or reverse.",
                      "现场训练小型 RNN、LSTM 和 GRU，看它们如何学习：带噪正弦波、要记住的符号、"
                      "要模仿的文本、要复制或倒序的序列。"),
    # -- sidebar ---------------------------------------------------------------------------------
    "side.language": ("Language", "语言"),
    "side.model": ("Model", "模型"),
    "side.sequence": ("Input sequence", "输入序列"),
    "side.state": ("Initial state h₀", "初始状态 h₀"),
    "side.share": ("Share this view", "分享此视图"),
    "side.share_note": ("This link opens exactly this view: page, step and settings.",
                        "此链接会打开完全相同的视图：页面、时间步和设置。"),
    "side.share_local": ("Relative link (add it to the app's address):",
                         "相对链接（接在应用地址之后）："),
    "side.preset": ("Load the data-flow article's example (100 → 256 → 10)",
                    "载入数据流文章的例子（100 → 256 → 10）"),
    "side.preset_help": ("input_dim=100, hidden_dim=256, output_dim=10, as in the seed article "
                         "on how data flows through an RNN.",
                         "input_dim=100、hidden_dim=256、output_dim=10，与介绍 RNN 数据流动的文章相同。"),
    "side.reset": ("Reset all settings", "重置所有设置"),
    "side.set_by_data": ("Set by the data: {value}", "由数据决定：{value}"),
    "side.upload_none": ("Upload a CSV, TSV or .npy file: one row per time step, one column per "
                         "feature.",
                         "上传 CSV、TSV 或 .npy 文件：每行一个时间步，每列一个特征。"),
    "side.upload_ok": ("Loaded {name}: {rows} steps × {cols} features.",
                       "已载入 {name}：{rows} 个时间步 × {cols} 个特征。"),
    "field.input_size": ("Input size D", "输入维度 D"),
    "field.hidden_size": ("Hidden size H", "隐藏维度 H"),
    "field.output_size": ("Output size O", "输出维度 O"),
    "field.seq_len": ("Sequence length T", "序列长度 T"),
    "field.batch_size": ("Batch size B", "批大小 B"),
    "field.num_layers": ("Layers L", "层数 L"),
    "field.bidirectional": ("Bidirectional", "双向"),
    "field.nonlinearity": ("Nonlinearity f", "激活函数 f"),
    "field.init": ("Initialisation", "初始化方式"),
    "field.radius": ("Spectral radius of W_hh (0 = as drawn)", "W_hh 的谱半径（0 = 保持初始值）"),
    "field.seed": ("Random seed", "随机种子"),
    "field.h0": ("Initial state", "初始状态"),
    "field.h0_value": ("Constant value of h₀", "h₀ 的常数值"),
    "field.source": ("Source", "来源"),
    "field.freq": ("Frequency (cycles per step)", "频率（每步周期数）"),
    "field.amplitude": ("Amplitude", "振幅"),
    "field.phase": ("Phase (radians)", "相位（弧度）"),
    "field.noise": ("Noise (standard deviation)", "噪声（标准差）"),
    "field.impulse_step": ("Impulse at step k", "脉冲位于第 k 步"),
    "field.text": ("Text (one-hot characters)", "文本（字符独热编码）"),
    "field.numbers": ("Numbers: one row per step, features separated by commas or spaces",
                      "数值：每行一个时间步，特征用逗号或空格分隔"),
    "field.upload": ("Sequence file", "序列文件"),
    "help.input_size": ("Features per time step (1 to 512).", "每个时间步的特征数（1 到 512）。"),
    "help.hidden_size": ("Hidden units (1 to 1024).", "隐藏单元数（1 到 1024）。"),
    "help.output_size": ("Outputs of o_t = W_ho h_t + b_ho (1 to 512).",
                         "o_t = W_ho h_t + b_ho 的输出数（1 到 512）。"),
    "help.seq_len": ("Time steps (1 to 2000).", "时间步数（1 到 2000）。"),
    "help.batch_size": ("Sequences run side by side (1 to 64); the views draw the first.",
                        "并行运行的序列数（1 到 64）；视图显示第一个。"),
    "help.radius": ("Rescale W_hh so its largest |eigenvalue| is this (0 to 3). Below 1 the "
                    "state forgets; above 1 it can explode.",
                    "缩放 W_hh，使其最大特征值的模等于此值（0 到 3）。小于 1 时状态会遗忘；"
                    "大于 1 时可能爆炸。"),
    "opt.tanh": ("tanh", "tanh"),
    "opt.relu": ("relu", "relu"),
    "opt.torch": ("PyTorch default: U(±1/√H)", "PyTorch 默认：U(±1/√H)"),
    "opt.xavier": ("Xavier uniform, zero biases", "Xavier 均匀分布，偏置为零"),
    "opt.orthogonal": ("Orthogonal, zero biases", "正交矩阵，偏置为零"),
    "opt.zeros": ("zeros", "全零"),
    "opt.random": ("random N(0, 0.5²)", "随机 N(0, 0.5²)"),
    "opt.constant": ("constant", "常数"),
    "opt.sine": ("sine wave", "正弦波"),
    "opt.square": ("square wave", "方波"),
    "opt.sawtooth": ("sawtooth", "锯齿波"),
    "opt.noise": ("Gaussian noise", "高斯噪声"),
    "opt.random_walk": ("random walk", "随机游走"),
    "opt.impulse": ("impulse at step k", "第 k 步的脉冲"),
    "opt.text": ("characters of a text (one-hot)", "文本字符（独热编码）"),
    "opt.numbers": ("numbers I paste", "粘贴的数值"),
    "opt.csv": ("file upload (CSV, TSV, .npy)", "上传文件（CSV、TSV、.npy）"),
    # -- messages --------------------------------------------------------------------------------
    "err.range": ("{field}: {value} is outside the allowed range {lo} to {hi}; kept {kept}.",
                  "{field}：{value} 超出允许范围 {lo} 到 {hi}；保留 {kept}。"),
    "err.not_int": ("{field}: {value!r} is not a whole number; kept {kept}.",
                    "{field}：{value!r} 不是整数；保留 {kept}。"),
    "err.not_number": ("{field}: {value!r} is not a finite number; kept {kept}.",
                       "{field}：{value!r} 不是有限的数；保留 {kept}。"),
    "err.bool": ("{field}: {value!r} is not on/off (use 1 or 0); kept {kept}.",
                 "{field}：{value!r} 不是开/关（请用 1 或 0）；保留 {kept}。"),
    "err.choice": ("{field}: {value!r} is not one of {allowed}; kept {kept}.",
                   "{field}：{value!r} 不在 {allowed} 之中；保留 {kept}。"),
    "err.too_long": ("{field}: {length} characters is longer than the limit of {limit}; kept the "
                     "previous value.",
                     "{field}：{length} 个字符超过了 {limit} 的上限；保留之前的值。"),
    "err.empty_text": ("{field}: the text is empty; type at least one character. Kept the "
                       "previous text.",
                       "{field}：文本为空；请至少输入一个字符。已保留之前的文本。"),
    "err.csv_link": ("{field}: a link cannot carry an uploaded file; using the default source. "
                     "Upload the file again.",
                     "{field}：链接无法携带上传的文件；改用默认来源。请重新上传文件。"),
    "err.budget": ("This run would need {need} of memory at its peak (it keeps {kept}; T × batch × "
                   "hidden × layers × directions = {formula}, input width {D}); at most {limit} per run. Lower T, the batch, the hidden size, the "
                   "layers, the directions or the input width. Kept the previous sizes.",
                   "本次运行在峰值时需要 {need} 内存（保留 {kept}；T × 批大小 × 隐藏维度 × 层数 × 方向数 = {formula}，输入维度 {D}）；每次运行最多 "
                   "{limit}。请减小 T、批大小、隐藏维度、层数、方向数或输入维度。已保留之前的尺寸。"),
    "err.budget_file": ("The settings file asks for a run that would need {need} of memory at its "
                        "peak (T × batch × hidden × layers × directions = {formula}, input width "
                        "{D}); at most {limit} per run, so the default sizes are used with the file's other settings.",
                        "设置文件要求的运行在峰值时需要 {need} 内存（T × 批大小 × 隐藏维度 × 层数 × 方向数 = {formula}，输入维度 {D}）；每次运行最多 "
                        "{limit}，因此使用默认尺寸和文件中的其他设置。"),
    "err.url": ("The link's parameter {param} = {value} was not used: {reason}",
                "链接参数 {param} = {value} 未被采用：{reason}"),
    "err.budget_link": ("The link asks for a run that would need {need} of memory at its peak "
                        "(T × batch × hidden × layers × directions = {formula}, input width {D}); at "
                        "most {limit} per run, so the default sizes are used.",
                        "链接要求的运行在峰值时需要 {need} 内存（T × 批大小 × 隐藏维度 × 层数 × 方向数 = {formula}，输入维度 {D}）；每次运行最多 "
                        "{limit}，因此使用默认尺寸。"),
    "err.no_upload": ("No file uploaded yet: upload one in the sidebar under *Input sequence*, "
                      "or pick another source.",
                      "尚未上传文件：请在侧边栏“输入序列”中上传，或选择其他来源。"),
    "err.url_step": ("step", "时间步"),
    "warn.nonfinite": ("The state overflowed to inf/NaN at step {step}: the recurrence exploded "
                       "(W_hh's spectral radius is {radius:.3g}). The charts show the finite "
                       "part; lower the spectral radius or use tanh.",
                       "状态在第 {step} 步溢出为 inf/NaN：递推发生了爆炸（W_hh 的谱半径为 "
                       "{radius:.3g}）。图中只显示有限的部分；请降低谱半径或改用 tanh。"),
    "warn.large": ("Large values: |h| reaches {value:.3g}. With relu and a spectral radius above "
                   "1 the state can grow without bound.",
                   "数值很大：|h| 达到 {value:.3g}。使用 relu 且谱半径大于 1 时，状态可能无限增长。"),
    # -- figures (shared) --------------------------------------------------------------------------
    "fig.reduced": ("reduced for display: every n-th row/column shown",
                    "为显示而缩减：每隔 n 行/列显示一个"),
    "fig.time": ("time step t", "时间步 t"),
    "fig.unit": ("hidden unit", "隐藏单元"),
    "fig.class": ("output class", "输出类别"),
    "fig.units": ("hidden units", "隐藏单元"),
    "fig.row": ("row", "行"),
    "fig.col": ("column", "列"),
    "fig.value": ("value", "数值"),
    "fig.probability": ("probability", "概率"),
    "fig.unit_short": ("unit", "单元"),
    # -- step control --------------------------------------------------------------------------
    "step.label": ("Time step t (1 to {T})", "时间步 t（1 到 {T}）"),
    "step.prev": ("Previous step", "上一步"),
    "step.next": ("Next step", "下一步"),
    "step.play": ("▶ Play", "▶ 播放"),
    "step.pause": ("⏸ Pause", "⏸ 暂停"),
    # -- data flow -----------------------------------------------------------------------------
    "df.title": ("Data flow: one step of the RNN", "数据流：RNN 的一步"),
    "df.intro": ("Every tensor of $h_t = \\tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$ "
                 "and $o_t = W_{ho} h_t + b_{ho}$ at one time step, drawn with its shape "
                 "`[rows, columns]` as the seed article writes it. Red is positive, blue negative; "
                 "hover over a cell for its exact value.",
                 "在某一时间步，画出 $h_t = \\tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$ "
                 "与 $o_t = W_{ho} h_t + b_{ho}$ 中的每个张量，并按文章的写法标注形状 `[行, 列]`。"
                 "红色为正，蓝色为负；鼠标悬停可查看精确数值。"),
    "df.step": ("Time step t (1 to {T})", "时间步 t（1 到 {T}）"),
    "df.step_help": ("$x_t$ is row t of the input sequence; $h_{t-1}$ is the state the step "
                     "before left ($h_0$ for t = 1).",
                     "$x_t$ 是输入序列的第 t 行；$h_{t-1}$ 是上一步留下的状态（t = 1 时为 $h_0$）。"),
    "df.layer": ("Layer", "层"),
    "df.direction": ("Direction", "方向"),
    "df.forward": ("forward", "正向"),
    "df.backward": ("backward", "反向"),
    "df.h_next": ("g_{t+1}", "g_{t+1}"),
    "df.step_label": ("Step {t} reads the character “{label}”.", "第 {t} 步读入字符“{label}”。"),
    "df.products": ("1. The two matrix-vector products", "1. 两个矩阵-向量乘积"),
    "df.input_term": ("Input term: W_ih · x_t", "输入项：W_ih · x_t"),
    "df.recurrent_term": ("Recurrent term: W_hh · h_{t-1}", "循环项：W_hh · h_{t-1}"),
    "df.products_caption": (
        "$W_{ih}$ maps the input from D to H dimensions; $W_{hh}$ maps the previous state from "
        "H to H. Both matrices are the same at every step: only $x_t$ and $h_{t-1}$ change.",
        "$W_{ih}$ 把输入从 D 维映射到 H 维；$W_{hh}$ 把上一步的状态从 H 维映射到 H 维。"
        "两个矩阵在每一步都相同：变化的只有 $x_t$ 和 $h_{t-1}$。"),
    "df.sum": ("2. Add the biases, apply the nonlinearity", "2. 加上偏置，经过激活函数"),
    "df.sum_title": ("a_t = W_ih x_t + W_hh h_{{t-1}} + b_ih + b_hh,  h_t = {f}(a_t)",
                     "a_t = W_ih x_t + W_hh h_{{t-1}} + b_ih + b_hh，h_t = {f}(a_t)"),
    "df.sum_caption": ("The four vectors of length H add up to the pre-activation a_t; {f} "
                       "squashes it into h_t, which goes to the output and to the next step.",
                       "四个长度为 H 的向量相加得到预激活 a_t；{f} 把它压缩为 h_t，"
                       "h_t 既送往输出，也送往下一步。"),
    "df.output": ("3. The output layer", "3. 输出层"),
    "df.output_title": ("o_t = W_ho · h_t + b_ho, then softmax", "o_t = W_ho · h_t + b_ho，再取 softmax"),
    "df.output_caption": ("W_ho [O, H] reads h_t; softmax turns the O scores into probabilities "
                          "that sum to 1.",
                          "W_ho [O, H] 读取 h_t；softmax 把 O 个分数变成和为 1 的概率。"),
    "df.output_caption_top": ("The output layer reads the top layer's state (both directions "
                              "concatenated when bidirectional), whichever layer is picked above.",
                              "输出层读取最上层的状态（双向时为两个方向的拼接），与上面选择的层无关。"),
    "df.plugged": ("4. The numbers plugged in", "4. 代入具体数值"),
    "df.unit": ("Hidden unit j (0 to {H})", "隐藏单元 j（0 到 {H}）"),
    "df.output_unit": ("Output m (0 to {O})", "输出 m（0 到 {O}）"),
    "df.input_contrib": ("input", "输入"),
    "df.recurrent_contrib": ("recurrent", "循环"),
    "df.overflowed": ("At step {t} the state has overflowed to inf/NaN, so there are no finite "
                      "numbers to plug in: pick an earlier step.",
                      "第 {t} 步的状态已溢出为 inf/NaN，没有有限的数值可代入：请选择更早的时间步。"),
    "df.col_term": ("term", "项"),
    "df.col_product": ("product", "乘积"),
    "df.col_value": ("value", "数值"),
    "df.plugged_caption": ("The sums written out with this run's own numbers: input sum, "
                           "recurrent sum, b_ih and b_hh. The table lists each sum's largest "
                           "products.",
                           "用本次运行的实际数值写出各项之和：输入项之和、循环项之和、b_ih 与 b_hh。"
                           "表中列出每个和里最大的几个乘积。"),
    "df.params": ("5. Parameters and the PyTorch equivalent", "5. 参数与等价的 PyTorch 代码"),
    "df.col_name": ("parameter (torch name)", "参数（torch 名称）"),
    "df.col_shape": ("shape", "形状"),
    "df.col_count": ("count", "数量"),
    "df.total": ("Parameters in total", "参数总数"),
    "df.download": ("Download the weights (.npz)", "下载权重（.npz）"),
    "df.download_help": ("torch's names; load with np.load(..., allow_pickle=False).",
                         "使用 torch 的名称；用 np.load(..., allow_pickle=False) 读取。"),
    "df.torch_caption": ("The same model in PyTorch: nn.RNN and nn.Linear with these sizes give "
                         "these shapes.",
                         "PyTorch 中的同一个模型：这些尺寸的 nn.RNN 与 nn.Linear 给出上面的形状。"),
    # -- recurrence ----------------------------------------------------------------------------
    "rec.title": ("Recurrence: the hidden state through time", "递推：隐藏状态随时间的变化"),
    "rec.intro": ("The same weights are applied at every step; only the input and the state "
                  "change. Step with ◀ ▶ or the slider, or press Play.",
                  "每一步都使用同一组权重；变化的只有输入和状态。用 ◀ ▶ 或滑块逐步前进，或按“播放”。"),
    "rec.chain": ("The unrolled RNN", "展开的 RNN"),
    "rec.chain_caption": ("Each $h_t$ is computed from $x_t$ and $h_{t-1}$; the lit node is the "
                          "current step.",
                          "每个 $h_t$ 由 $x_t$ 和 $h_{t-1}$ 计算得到；高亮的节点是当前步。"),
    "rec.terms": ("What each term contributes", "每一项的贡献"),
    "rec.terms_title": ("Terms of a_t at step {t}, per hidden unit", "第 {t} 步 a_t 的各项（按隐藏单元）"),
    "rec.terms_subset": ("Showing the {n} of {H} units with the largest |a_t|.",
                         "显示 {H} 个单元中 |a_t| 最大的 {n} 个。"),
    "rec.act_title": ("h_t = {f}(a_t) for every unit", "每个单元的 h_t = {f}(a_t)"),
    "rec.pre_axis": ("pre-activation a_t", "预激活 a_t"),
    "rec.terms_caption": ("Bars: the input term, the recurrent term and the biases add up to "
                          "a_t (diamond). Right: where each unit sits on the nonlinearity; "
                          "units in the shaded bands are saturated and pass little gradient.",
                          "柱：输入项、循环项和偏置相加得到 a_t（菱形）。右：每个单元在激活函数上"
                          "的位置；阴影带中的单元已饱和，几乎不传递梯度。"),
    "rec.heatmap": ("The hidden state over time", "隐藏状态随时间的变化"),
    "rec.layer_dir": ("layer {l}, {d}", "第 {l} 层，{d}"),
    "rec.heatmap_title": ("{name}: hidden units × time", "{name}：隐藏单元 × 时间"),
    "rec.heatmap_caption": ("Each column is h_t; the outlined column is the current step. "
                            "Colours are centred on zero: red positive, blue negative.",
                            "每一列是一个 h_t；带边框的列是当前步。颜色以零为中心：红正蓝负。"),
    "rec.probs": ("softmax(o_t) over time", "softmax(o_t) 随时间的变化"),
    "rec.logits": ("o_t over time: output classes × time", "o_t 随时间的变化：输出类别 × 时间"),
    "rec.probs_caption": ("The output layer's probabilities at every step (untrained weights: "
                          "the pattern shows how h_t moves, not a prediction).",
                          "每一步输出层的概率（权重未经训练：图案反映 h_t 的变化，而非预测）。"),
    "rec.saturated": ("|h| > 0.95", "|h| > 0.95"),
    "rec.saturated_band": ("saturated: |h_t| > 0.95", "饱和：|h_t| > 0.95"),
    "rec.pca_start": ("start", "起点"),
    "rec.pca_current": ("current step", "当前步"),
    "rec.pca_path": ("trajectory", "轨迹"),
    "rec.saturation": ("Saturated units", "饱和单元"),
    "rec.fraction": ("fraction of units", "单元比例"),
    "rec.saturation_caption": ("The share of units with |h_t| > 0.95, where tanh is flat and "
                               "its derivative nearly 0.",
                               "|h_t| > 0.95 的单元占比；在这里 tanh 几乎是平的，导数接近 0。"),
    "rec.saturation_relu": ("Saturation is a tanh notion: relu does not saturate for positive "
                            "inputs (it is 0 for negative ones).",
                            "饱和是 tanh 的概念：relu 对正输入不会饱和（对负输入输出为 0）。"),
    "rec.pca": ("Trajectory of h_t (PC 1: {a:.0f}%, PC 2: {b:.0f}% of variance)",
                "h_t 的轨迹（PC 1：{a:.0f}%，PC 2：{b:.0f}% 的方差）"),
    "rec.pca_caption": ("The states projected on their two main directions of variation; "
                        "colour runs from the first step to the last.",
                        "把状态投影到变化最大的两个方向上；颜色从第一步渐变到最后一步。"),
    "rec.distance_name": ("|h_t − h′_t|", "|h_t − h′_t|"),
    "rec.distance": ("Fading memory: two runs from nearby h₀", "逐渐消退的记忆：从相近 h₀ 出发的两次运行"),
    "rec.distance_axis": ("distance (log scale)", "距离（对数刻度）"),
    "rec.distance_caption": ("A second run starts from h₀ nudged by {eps:g}. If the distance "
                             "falls, the RNN forgets its start; if it grows, small differences "
                             "explode (W_hh's spectral radius: {rho:.3g}).",
                             "第二次运行从扰动了 {eps:g} 的 h₀ 出发。距离下降说明 RNN 忘记了起点；"
                             "距离增长说明微小差异被放大（W_hh 的谱半径：{rho:.3g}）。"),
    # -- gradients through time --------------------------------------------------------------
    "gr.title": ("Gradients through time", "随时间的梯度"),
    "gr.intro": ("Backpropagation through time multiplies the gradient by one Jacobian "
                 "$J_t = \\partial h_t / \\partial h_{t-1} = \\mathrm{diag}(f'(a_t))\\, W_{hh}$ per step, "
                 "so the gradient reaching a state far from the loss is a product of many such "
                 "factors: it vanishes when they shrink vectors and explodes when they stretch them. "
                 "The vanilla RNN, an LSTM and a GRU of the same size read the same sequence here.",
                 "随时间反向传播在每一步把梯度乘以一个雅可比矩阵 "
                 "$J_t = \\partial h_t / \\partial h_{t-1} = \\mathrm{diag}(f'(a_t))\\, W_{hh}$，"
                 "所以到达远离损失处的梯度是许多这样的因子之积：它们缩小向量时梯度消失，拉伸向量时梯度爆炸。"
                 "这里同样大小的普通 RNN、LSTM 和 GRU 读入同一个序列。"),
    "gr.too_big": ("{cells}: left out. This view keeps each step's Jacobian, T × S × S numbers "
                   "(here T = {T}, S = {S}), and takes their singular values; the limit is "
                   "{limit:,} numbers per cell. Shorten the sequence or use fewer hidden units.",
                   "{cells}：未计算。本视图要保存每一步的雅可比矩阵，共 T × S × S 个数（此处 T = {T}，S = {S}），"
                   "并计算其奇异值；每种单元的上限为 {limit:,} 个数。请缩短序列或减少隐藏单元。"),
    "gr.loss": ("Loss", "损失"),
    "gr.loss_ce_last": ("cross-entropy on the last step", "最后一步的交叉熵"),
    "gr.loss_ce_sum": ("cross-entropy summed over all steps", "所有步交叉熵之和"),
    "gr.loss_mse": ("MSE against the next input step", "与下一步输入的均方误差"),
    "gr.target": ("Target class (0 to {O})", "目标类别（0 到 {O}）"),
    "gr.mse_target": ("The target at step t is x_(t+1) (its first O features): next-value "
                      "prediction.",
                      "第 t 步的目标是 x_(t+1)（取前 O 个特征）：预测下一个值。"),
    "gr.measure": ("Rescale the vanilla RNN's W_hh by", "按以下量缩放普通 RNN 的 W_hh"),
    "gr.measure_spectral_radius": ("spectral radius ρ(W_hh)", "谱半径 ρ(W_hh)"),
    "gr.measure_max_singular_value": ("largest singular value σ_max(W_hh)",
                                      "最大奇异值 σ_max(W_hh)"),
    "gr.whh_source": ("The vanilla RNN's W_hh", "普通 RNN 的 W_hh"),
    "gr.whh_uploaded": ("as uploaded (trained)", "按上传的原样（训练好的）"),
    "gr.whh_rescaled": ("uploaded, rescaled to the target below", "上传的，缩放到下面的目标值"),
    "gr.whh_uploaded_help": ("Measured on the uploaded W_hh (layer 0), not rescaled.",
                             "在上传的 W_hh（第 0 层）上测得，未缩放。"),
    "gr.whh_note": ("The vanilla RNN runs with your uploaded weights (and output layer, if the "
                    "file has one); LSTM and GRU keep PyTorch's initialisation for comparison.",
                    "普通 RNN 使用你上传的权重（文件里有输出层的话也一并使用）；LSTM 和 GRU 仍用 "
                    "PyTorch 的初始化，作为对照。"),
    "gr.scale": ("Target value (0.5 to 1.5)", "目标值（0.5 到 1.5）"),
    "gr.scale_help": ("Below 1 the factors shrink the gradient at every step; above 1 they can "
                      "stretch it. LSTM and GRU keep PyTorch's default initialisation.",
                      "小于 1 时因子在每一步都缩小梯度；大于 1 时可能放大梯度。LSTM 和 GRU 保持 PyTorch 的默认初始化。"),
    "gr.clip": ("Gradient clipping", "梯度裁剪"),
    "gr.clip_none": ("off", "关闭"),
    "gr.clip_norm": ("by global norm (clip_grad_norm_)", "按全局范数（clip_grad_norm_）"),
    "gr.clip_value": ("by value (clip_grad_value_)", "按数值（clip_grad_value_）"),
    "gr.clip_at": ("Clip at", "裁剪阈值"),
    "gr.cell_rnn": ("vanilla RNN", "普通 RNN"),
    "gr.cell_lstm": ("LSTM", "LSTM"),
    "gr.cell_gru": ("GRU", "GRU"),
    "gr.regime": ("Regime", "状态"),
    "gr.regime_vanishing": ("vanishing", "梯度消失"),
    "gr.regime_near_critical": ("near-critical", "临界附近"),
    "gr.regime_exploding": ("exploding", "梯度爆炸"),
    "gr.regime_caption_vanishing": ("Below 1: every step shrinks the gradient, so the loss "
                                    "barely reaches the early steps (vanishing gradients).",
                                    "小于 1：每一步都缩小梯度，损失几乎影响不到前面的时间步（梯度消失）。"),
    "gr.regime_caption_near_critical": ("Near 1: the gradient keeps its size over many steps; "
                                        "tanh's saturation still shrinks it.",
                                        "接近 1：梯度在许多步内大致保持大小；tanh 的饱和仍会缩小它。"),
    "gr.regime_caption_exploding": ("Above 1: the factors can stretch the gradient at every "
                                    "step, so it may explode; clipping caps it.",
                                    "大于 1：因子可能在每一步放大梯度，导致梯度爆炸；梯度裁剪可以限制它。"),
    "gr.rate": ("Bound's rate max|f′| · σ_max", "上界的增长率 max|f′| · σ_max"),
    "gr.rate_help": ("‖∂h_T/∂h_t‖ ≤ (max|f′| · σ_max(W_hh))^(T−t) for the vanilla RNN. The "
                     "largest singular value σ_max can exceed the spectral radius ρ, so the bound "
                     "may grow while the gradient itself vanishes: over many steps ρ decides.",
                     "对普通 RNN：‖∂h_T/∂h_t‖ ≤ (max|f′| · σ_max(W_hh))^(T−t)。最大奇异值 σ_max 可能大于谱半径 ρ，"
                     "所以上界可能增长而梯度本身在消失：经过许多步后起决定作用的是 ρ。"),
    "gr.overflow": ("{cell}: the forward pass overflowed to inf/NaN at step {step}, so there is "
                    "no finite loss to differentiate. Lower the scale of W_hh or use tanh.",
                    "{cell}：前向传播在第 {step} 步溢出为 inf/NaN，没有有限的损失可求导。请降低 W_hh 的缩放或改用 tanh。"),
    "gr.grad_overflow": ("{cell}: the gradient overflowed to inf/NaN at step {step} going back "
                         "in time; the charts show the finite part.",
                         "{cell}：梯度在反向传到第 {step} 步时溢出为 inf/NaN；图中只显示有限的部分。"),
    "gr.norms": ("How much gradient reaches each step", "每一步收到多少梯度"),
    "gr.norms_title": ("‖∂L/∂h_t‖ over time, loss: {loss}", "‖∂L/∂h_t‖ 随时间的变化，损失：{loss}"),
    "gr.norms_caption": ("Log scale. Read it from the right, where the loss is, back to the "
                         "start: a straight line falling towards t = 1 is geometric decay, so the "
                         "loss at the end hardly reaches the first steps.",
                         "对数刻度。从右边（损失所在处）向左读到开头：朝 t = 1 下降的直线表示几何衰减，"
                         "末尾的损失几乎影响不到最初几步。"),
    "gr.products": ("The product of Jacobians", "雅可比矩阵之积"),
    "gr.products_title": ("Spectral norm of ∂s_T/∂s_t against the distance",
                          "∂s_T/∂s_t 的谱范数与距离的关系"),
    "gr.products_fro": ("Frobenius norm of ∂s_T/∂s_t", "∂s_T/∂s_t 的 Frobenius 范数"),
    "gr.bound": ("bound (max|f′|·σ_max)^d", "上界 (max|f′|·σ_max)^d"),
    "gr.distance": ("distance d = T − t", "距离 d = T − t"),
    "gr.products_caption": ("The product J_T ⋯ J_(t+1), computed exactly from the per-step "
                            "Jacobians (for the LSTM of its whole state s = [h; c]). The dashed "
                            "line is the vanilla RNN's bound; the curve can only lie below it.",
                            "乘积 J_T ⋯ J_(t+1)，由每一步的雅可比矩阵精确计算（LSTM 为整个状态 s = [h; c]）。"
                            "虚线是普通 RNN 的上界；曲线只能在它下方。"),
    "gr.heatmap": ("The gradient at every state", "每个状态处的梯度"),
    "gr.heatmap_title": ("∂L/∂h_t of the {cell}: hidden units × time", "{cell} 的 ∂L/∂h_t：隐藏单元 × 时间"),
    "gr.heatmap_caption": ("Red and blue: the sign and size of the gradient each unit receives at "
                           "each step; white: next to nothing arrives (hover for the exact value).",
                           "红与蓝：每个单元在每一步收到的梯度的符号和大小；白色：几乎没有梯度到达（悬停可看精确数值）。"),
    "gr.singular": ("Singular values", "奇异值"),
    "gr.sv_whh": ("Singular values of the vanilla RNN's W_hh", "普通 RNN 的 W_hh 的奇异值"),
    "gr.sv_index": ("index", "序号"),
    "gr.sv_steps": ("Largest singular value of each step's Jacobian J_t",
                    "每一步雅可比矩阵 J_t 的最大奇异值"),
    "gr.processing_step": ("step (in processing order)", "时间步（按处理顺序）"),
    "gr.singular_caption": ("σ_max(J_t) ≤ max|f′| · σ_max(W_hh): saturated units (f′ ≈ 0) pull "
                            "a step's factor down even when W_hh is large.",
                            "σ_max(J_t) ≤ max|f′| · σ_max(W_hh)：饱和的单元（f′ ≈ 0）即使在 W_hh 很大时也会压低该步的因子。"),
    "gr.whh": ("Where ∂L/∂W_hh comes from, and clipping", "∂L/∂W_hh 从何而来，以及梯度裁剪"),
    "gr.cell": ("Cell", "单元类型"),
    "gr.shares_title": ("Each step's share of ∂L/∂W_hh ({cell})", "每一步在 ∂L/∂W_hh 中的占比（{cell}）"),
    "gr.share": ("share", "占比"),
    "gr.shares_caption": ("W_hh is shared, so its gradient is a sum over steps (‖term‖ / sum of "
                          "‖terms‖). With vanishing gradients only the last steps contribute.",
                          "W_hh 在各步共享，所以它的梯度是各步之和（‖项‖ / 各项范数之和）。梯度消失时只有最后几步有贡献。"),
    "gr.norm_before": ("‖grad‖", "‖梯度‖"),
    "gr.norm_after": ("‖grad‖ clipped", "裁剪后 ‖梯度‖"),
    "gr.global_norm": ("Global gradient norm", "全局梯度范数"),
    "gr.clip_caption_none": ("Clipping is off.", "梯度裁剪已关闭。"),
    "gr.clip_caption_norm": ("All gradients are scaled by min(1, {at} / global norm), as torch's "
                             "clip_grad_norm_: the direction stays, the length is capped at {at}.",
                             "所有梯度乘以 min(1, {at} / 全局范数)，与 torch 的 clip_grad_norm_ 相同：方向不变，长度上限为 {at}。"),
    "gr.clip_caption_value": ("Each entry is clamped to [−{at}, {at}], as torch's "
                              "clip_grad_value_: this changes the direction.",
                              "每个元素被限制在 [−{at}, {at}] 内，与 torch 的 clip_grad_value_ 相同：这会改变方向。"),
    "gr.check": ("Gradient check", "梯度检验"),
    "gr.check_caption": ("Compares the analytic gradients with central differences "
                         "(f(w+ε) − f(w−ε)) / 2ε on a few entries of every tensor (first 50 steps).",
                         "在每个张量的若干元素上，把解析梯度与中心差分 (f(w+ε) − f(w−ε)) / 2ε 比较（前 50 步）。"),
    "gr.check_run": ("Run the gradient check", "运行梯度检验"),
    "gr.check_help": ("Largest relative error |a − n| / (|a| + |n|); below 1e-5 means the "
                      "backward pass is right.",
                      "最大相对误差 |a − n| / (|a| + |n|)；小于 1e-5 说明反向传播正确。"),
    "gr.rel_err": ("relative error", "相对误差"),
    # -- trained weights (ui/weights_input.py) ------------------------------------------------
    "wt.title": ("Trained weights (.npz)", "训练好的权重（.npz）"),
    "wt.help": ("An .npz of a torch.nn.RNN state dict: each parameter as a NumPy array under its "
                "torch name (weight_ih_l0, ...), saved with np.savez, optionally with head.weight "
                "and head.bias for the output layer. The app's own download has this form. "
                "Pickles (.pt) are not read.",
                "torch.nn.RNN 的 state dict 保存成的 .npz：每个参数以其 torch 名称（weight_ih_l0 等）"
                "存为 NumPy 数组，用 np.savez 保存，可附带输出层的 head.weight 和 head.bias。"
                "本应用下载的权重就是这种格式。不读取 pickle 文件（.pt）。"),
    "wt.file": ("Weights file", "权重文件"),
    "wt.using": ("Using the weights from {name} instead of the seeded ones.",
                 "正在使用 {name} 中的权重代替随机种子生成的权重。"),
    "wt.remove": ("Use seeded weights again", "恢复使用随机种子生成的权重"),
    "wt.expected": ("expected", "应为"),
    "wt.given": ("file has", "文件中为"),
    "wt.mismatch": ("{name} does not fit the current configuration: {problems}. Adopt the "
                    "file's sizes, or change the sizes in the sidebar.",
                    "{name} 与当前配置不符：{problems}。可以采用文件中的尺寸，或在侧边栏修改尺寸。"),
    "wt.adopt": ("Adopt the file's sizes (D = {D}, H = {H}, L = {L})",
                 "采用文件中的尺寸（D = {D}、H = {H}、L = {L}）"),
    "wt.too_large": ("The weights file is {size:,} bytes; at most {limit:,} bytes are allowed.",
                     "权重文件大小为 {size:,} 字节，最多允许 {limit:,} 字节。"),
    "wt.not_npz": ("This is not an .npz archive (a zip of .npy arrays, as np.savez writes).",
                   "这不是 .npz 文件（即 np.savez 写出的 .npy 数组压缩包）。"),
    "wt.too_many": ("The file holds {count} arrays; at most {limit} are allowed.",
                    "文件中有 {count} 个数组，最多允许 {limit} 个。"),
    "wt.pickle": ("Array {name} holds Python objects, which would need unpickling; only numeric "
                  "arrays are read.",
                  "数组 {name} 包含 Python 对象，需要反序列化（pickle）才能读取；只接受数值数组。"),
    "wt.bad_dtype": ("Array {name} has dtype {dtype}; numbers are expected.",
                     "数组 {name} 的类型为 {dtype}；应为数值。"),
    "wt.nonfinite": ("Array {name} holds inf or NaN; weights must be finite.",
                     "数组 {name} 含有 inf 或 NaN；权重必须是有限值。"),
    "wt.unknown_name": ("Array {name} is not a torch.nn.RNN parameter name (weight_ih_l0, "
                        "weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse, head.weight, "
                        "head.bias).",
                        "数组 {name} 不是 torch.nn.RNN 的参数名（weight_ih_l0、weight_hh_l0、bias_ih_l0、"
                        "bias_hh_l0、..._reverse、head.weight、head.bias）。"),
    "wt.no_rnn": ("The file has no weight_ih_l0: it is not an RNN state dict.",
                  "文件中没有 weight_ih_l0：它不是 RNN 的 state dict。"),
    "wt.shape": ("Array {name} should have shape {expected}, but has {given}.",
                 "数组 {name} 的形状应为 {expected}，实际为 {given}。"),
    "wt.missing": ("The file lacks {names}.", "文件中缺少 {names}。"),
    "wt.not_rnn": ("weight_hh_l0 is {rows} × {cols}: these are the weights of a gated cell (LSTM "
                   "or GRU), and this view runs a vanilla RNN, whose W_hh is square.",
                   "weight_hh_l0 为 {rows} × {cols}：这是门控单元（LSTM 或 GRU）的权重，"
                   "而本视图运行的是普通 RNN，它的 W_hh 是方阵。"),
    "wt.no_bias": ("{name} has no biases (nn.RNN(..., bias=False)); the app's RNN has biases, "
                   "so it cannot use these weights.",
                   "{name} 没有偏置（nn.RNN(..., bias=False)）；应用中的 RNN 带偏置，因此无法使用这些权重。"),
    # -- pasted and uploaded data (ui/data_input.py) ------------------------------------------
    # where a cell is; filled into the {where} of the messages below
    "data.where": (
        "Row {row}, column {col}",
        "第 {row} 行第 {col} 列",
    ),
    "data.where_header": (
        "Row {row}, column {col} (\"{name}\"; row {header_row} is the header)",
        "第 {row} 行第 {col} 列（“{name}”列；第 {header_row} 行是表头）",
    ),
    "data.where_index": (
        "Row {row}, column {col} (array index {index})",
        "第 {row} 行第 {col} 列（数组下标 {index}）",
    ),
    # the errors
    "data.empty": (
        "No numbers found: there are no rows of values (blank lines and lines starting with # "
        "are skipped). Enter one row per time step, e.g. 0.5, 1.2",
        "没有找到数据：没有任何数值行（空行和以 # 开头的行会被跳过）。请每个时间步写一行，"
        "例如 0.5, 1.2",
    ),
    "data.empty_array": (
        "The array has shape {shape}, which holds no values. It needs at least one row and one "
        "column.",
        "数组的形状是 {shape}，其中没有任何数值。至少需要一行一列。",
    ),
    "data.header_only": (
        "Row {header_row} is a header, but no rows of numbers follow it. Add one row per time "
        "step below the header.",
        "第 {header_row} 行是表头，但下面没有数值行。请在表头下方每个时间步写一行。",
    ),
    "data.not_number": (
        "{where}: \"{value}\" is not a number. Allowed are numbers such as 1, -2.5 or 3e-2.",
        "{where}：“{value}”不是数字。允许的写法如 1、-2.5 或 3e-2。",
    ),
    "data.empty_cell": (
        "{where} is empty. Every row needs a number in every column.",
        "{where}是空的。每一行的每一列都需要一个数字。",
    ),
    "data.nonfinite": (
        "{where}: \"{value}\" is not a finite number. NaN and infinity are not allowed; values "
        "must lie between -1.7e308 and 1.7e308.",
        "{where}：“{value}”不是有限数。不允许 NaN 和无穷大；数值必须在 -1.7e308 到 1.7e308 之间。",
    ),
    "data.decimal_comma": (
        "{where}: \"{value}\" uses a comma as the decimal mark. Write decimals with a point, "
        "e.g. {suggestion}",
        "{where}：“{value}”用逗号作小数点。请用英文句点表示小数，例如 {suggestion}",
    ),
    "data.bad_delimiter": (
        "{where}: \"{value}\" looks like several numbers in one column. Separate columns with "
        "commas, semicolons or tabs.",
        "{where}：“{value}”看起来是挤在同一列里的多个数字。请用逗号、分号或制表符分隔各列。",
    ),
    "data.bad_delimiter_text": (
        "{where}: \"{value}\" looks like several numbers joined by \"{sep}\". Separate values "
        "with commas, semicolons, tabs or spaces.",
        "{where}：“{value}”看起来是用“{sep}”连在一起的多个数字。请用逗号、分号、制表符或空格"
        "分隔数值。",
    ),
    "data.ragged": (
        "Row {row} has a different number of values ({got}) than row {first_row} ({expected}). "
        "Every row needs the same number of values (one per input feature).",
        "第 {row} 行的数值个数（{got} 个）与第 {first_row} 行（{expected} 个）不同。每一行的数值"
        "个数必须相同（每个输入特征一个）。",
    ),
    "data.ragged_header": (
        "Row {row} has a different number of values ({got}) than the header in row "
        "{header_row} has columns ({expected}). Every row needs one value per column.",
        "第 {row} 行的数值个数（{got} 个）与第 {header_row} 行表头的列数（{expected} 列）不同。"
        "每一行的每一列都需要一个数值。",
    ),
    "data.too_many_rows": (
        "The data has {rows} rows (time steps); at most {limit} are allowed. Use a shorter "
        "sequence.",
        "数据有 {rows} 行（时间步），最多允许 {limit} 行。请使用更短的序列。",
    ),
    "data.too_many_cols": (
        "Row {row} has {cols} values (input features); at most {limit} are allowed.",
        "第 {row} 行有 {cols} 个数值（输入特征），最多允许 {limit} 个。",
    ),
    "data.too_large": (
        "The data is {size:,} bytes; at most {limit:,} bytes are allowed.",
        "数据大小为 {size:,} 字节，最多允许 {limit:,} 字节。",
    ),
    "data.encoding": (
        "The file is not UTF-8 text: byte {byte} (row {row}) cannot be read as UTF-8. Save the "
        "file as UTF-8 (in Excel: \"CSV UTF-8\") and upload it again.",
        "文件不是 UTF-8 文本：第 {row} 行的第 {byte} 个字节无法按 UTF-8 读取。请将文件另存为 "
        "UTF-8 编码（Excel 中选择“CSV UTF-8”）后重新上传。",
    ),
    "data.malformed_csv": (
        "Row {row} cannot be read as CSV. Check that its quotation marks (\") are balanced.",
        "第 {row} 行无法按 CSV 格式读取。请检查该行的引号（\"）是否成对。",
    ),
    "data.npy_invalid": (
        "The file is not a valid .npy array file (or it is cut short). Save a single array "
        "with numpy.save(\"data.npy\", x).",
        "该文件不是有效的 .npy 数组文件（或文件不完整）。请用 numpy.save(\"data.npy\", x) "
        "保存单个数组。",
    ),
    "data.npz": (
        "The file is an .npz archive, not a single array. Save one array with "
        "numpy.save(\"data.npy\", x).",
        "该文件是 .npz 压缩包，而不是单个数组。请用 numpy.save(\"data.npy\", x) 保存一个数组。",
    ),
    "data.bad_dtype": (
        "The array holds {dtype} values; allowed are integers and real floating-point numbers.",
        "数组的数据类型是 {dtype}；只允许整数和实数浮点数。",
    ),
    "data.bad_shape": (
        "The array has shape {shape}; allowed are 1-D (T,) for one feature or 2-D (T, D) with "
        "one row per time step.",
        "数组的形状是 {shape}；只允许一维 (T,)（单个特征）或二维 (T, D)（每个时间步一行）。",
    ),
}


def translate(key: str, lang: str = "en", **params) -> str:
    """The string for `key` in `lang`, filled in with `params`. An unknown key raises KeyError
    (a test walks every key the code uses)."""
    en, zh = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**params) if params else text


def _merge() -> None:
    """Each later view keeps its strings beside the table in a module of its own; they are
    merged here, so STRINGS stays the one table the app and the tests read. A key defined twice
    is an error."""
    from . import (
        i18n_architectures,
        i18n_bring_your_own,
        i18n_memory,
        i18n_training,
        i18n_uploads,
        i18n_work,
    )

    for part in (i18n_architectures, i18n_training, i18n_bring_your_own, i18n_memory,
                 i18n_uploads, i18n_work):
        clash = set(part.STRINGS) & set(STRINGS)
        if clash:
            raise KeyError(f"translation keys defined twice: {sorted(clash)}")
        STRINGS.update(part.STRINGS)


_merge()

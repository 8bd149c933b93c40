"""Strings of the architectures view(s), merged into ui.i18n.STRINGS (the app's one translation table):
key -> (English, Simplified Chinese).

Placeholders use the names tests/test_i18n.py has samples for: T input steps N, n output steps
M, H hidden size, O outputs, l a layer, value a size (C = K*H, the batch, the features).
"""

STRINGS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------------------------------------
    # View 4: architectures
    # ---------------------------------------------------------------------------------------------
    "ar.title": ("Architectures: how many in, how many out", "结构：几个输入，几个输出"),
    "ar.intro": (
        "The same recurrent cell, wired four ways. Pick a structure: the diagram is drawn from "
        "your settings, and every heatmap below is computed by the NumPy core on the sidebar's "
        "sequence. Turn on **bidirectional** or add **layers** in the sidebar to see one heatmap "
        "per direction and per layer.",
        "同一个循环单元，四种连接方式。选择一种结构：下面的示意图按你的设置绘制，每张热力图都由 "
        "NumPy 内核在侧边栏的序列上算出。在侧边栏中打开**双向**或增加**层数**，"
        "就能看到每个方向、每一层各自的热力图。"),
    "ar.arch": ("Structure", "结构"),
    "ar.arch_n_to_n": ("N-to-N: an output at every step", "N 对 N：每一步都有输出"),
    "ar.arch_n_to_1": ("N-to-1: one output for the whole sequence", "N 对 1：整个序列只有一个输出"),
    "ar.arch_one_to_n": ("1-to-N: one input, a sequence out", "1 对 N：一个输入，输出一个序列"),
    "ar.arch_n_to_m": ("N-to-M: encoder-decoder", "N 对 M：编码器-解码器"),
    "ar.readout": ("What the output layer reads", "输出层读取什么"),
    "ar.readout_last": ("the last state h_N", "最后的状态 h_N"),
    "ar.readout_mean": ("the mean of h_1 … h_N", "h_1 … h_N 的平均值"),
    "ar.readout_max": ("the maximum of h_1 … h_N (per unit)", "h_1 … h_N 的最大值（逐单元）"),
    "ar.one_feed": ("Where the one input goes", "唯一的输入送到哪里"),
    "ar.one_feed_first": ("only at the first step (zeros after)", "只在第一步输入（之后为零）"),
    "ar.one_feed_every": ("at every step", "每一步都输入"),
    "ar.m_steps": ("Output steps M (1 to {n})", "输出步数 M（1 到 {n}）"),
    "ar.use_n_to_n": (
        "Used for labelling every element of a sequence: a part of speech for every word, a "
        "class for every video frame, the next value at every step.",
        "用于给序列中的每个元素打标签：给每个词标注词性、给每帧视频分类、在每一步预测下一个值。"),
    "ar.use_n_to_1": (
        "Used for judging a whole sequence: the sentiment of a sentence, the class of a signal, "
        "an anomaly in a time series.",
        "用于对整个序列作出判断：一句话的情感、一段信号的类别、时间序列中的异常。"),
    "ar.use_one_to_n": (
        "Used for making a sequence from one thing: a caption from an image, music from a "
        "style. The input here is the first step of the sidebar's sequence, x = x_1.",
        "用于从一个输入生成一个序列：根据图片生成描述、根据风格生成音乐。这里的输入是侧边栏序列的"
        "第一步，即 x = x_1。"),
    "ar.use_n_to_m": (
        "Used when input and output differ in length: machine translation, summarisation, "
        "speech recognition. An encoder reads x_1 … x_N into a context c, a decoder writes "
        "y_1 … y_M from it. The next view, Encoder-decoder, shows every way of making c.",
        "用于输入和输出长度不同的任务：机器翻译、文本摘要、语音识别。编码器把 x_1 … x_N "
        "读成一个上下文向量 c，解码器再由 c 写出 y_1 … y_M。下一个视图“编码器-解码器”会展示构造 "
        "c 的所有方式。"),
    "ar.overflow": (
        "The hidden state left the range of floating-point numbers (it grew without bound with "
        "the spectral radius {radius} set in the sidebar). Lower the spectral radius, or choose "
        "tanh, to see the architecture.",
        "隐藏状态超出了浮点数的范围（在侧边栏设置的谱半径 {radius} 下它无界增长）。"
        "请降低谱半径，或改用 tanh，再查看该结构。"),
    "ar.diagram": ("Unrolled in time", "按时间展开"),
    "ar.diagram_n_to_n": (
        "Each of the {T} inputs x_t goes up into h_t, each h_t passes to the right into "
        "h_(t+1), and each h_t gives an output y_t: {T} in, {T} out.",
        "{T} 个输入 x_t 各自向上进入 h_t，每个 h_t 向右传给 h_(t+1)，并各自给出一个输出 "
        "y_t：输入 {T} 个，输出 {T} 个。"),
    "ar.diagram_n_to_1_last": (
        "All {T} inputs are read, but only the last state h_N reaches the output: everything "
        "the network knows about the sequence must fit into that one vector.",
        "{T} 个输入都会被读取，但只有最后的状态 h_N 到达输出：网络对整个序列所知道的一切，"
        "都必须装进这一个向量。"),
    "ar.diagram_n_to_1_mean": (
        "All {T} inputs are read and the mean of every state h_1 … h_N reaches the output, so "
        "early steps count as much as late ones.",
        "{T} 个输入都会被读取，所有状态 h_1 … h_N 的平均值到达输出，因此前面的步与后面的步同样"
        "重要。"),
    "ar.diagram_n_to_1_max": (
        "All {T} inputs are read; for each hidden unit the largest value it took over the "
        "{T} steps reaches the output.",
        "{T} 个输入都会被读取；每个隐藏单元取它在 {T} 步中的最大值，送到输出。"),
    "ar.diagram_one_to_n_first": (
        "The one input x enters at the first step only; the grey boxes are zero inputs. From "
        "step 2 on, the {T} outputs come from the recurrence alone: what h_1 remembers of x.",
        "唯一的输入 x 只在第一步进入；灰色方框是零输入。从第 2 步起，{T} 个输出只靠递推产生："
        "也就是 h_1 对 x 的记忆。"),
    "ar.diagram_one_to_n_every": (
        "The one input x enters at every one of the {T} steps, so each step is reminded of it "
        "and the outputs need not rely on memory alone.",
        "唯一的输入 x 在全部 {T} 步都会进入，因此每一步都会被再次提醒，输出不必只依赖记忆。"),
    "ar.diagram_n_to_m": (
        "The encoder reads {T} inputs; its last state becomes the context c (red), which "
        "starts the decoder; the decoder writes {n} outputs, each step reading the previous "
        "output y_(j-1) (zeros at the first step). N and M are independent.",
        "编码器读入 {T} 个输入；它的最后状态成为上下文向量 c（红色），c 作为解码器的起点；"
        "解码器写出 {n} 个输出，每一步读取上一个输出 y_(j-1)（第一步为零）。N 与 M 互不相关。"),
    "ar.diagram_rows": (
        "Rows from bottom to top: the input, then each layer (h: the forward direction, green; "
        "g: the backward direction, orange, whose arrows run right to left), then the output. "
        "A layer reads both directions of the layer below it.",
        "从下到上的各行：输入，然后是每一层（h：正向，绿色；g：反向，橙色，它的箭头从右向左），"
        "最后是输出。每一层都读取下一层两个方向的状态。"),
    "ar.io": ("Input and output sequences", "输入序列与输出序列"),
    "ar.input_title": ("Input the RNN reads: {T} steps × {value} features",
                       "RNN 读取的输入：{T} 步 × {value} 个特征"),
    "ar.feature": ("input feature", "输入特征"),
    "ar.input_one_first": ("The one input x sits in the first column; the other columns are "
                           "zeros.", "唯一的输入 x 位于第一列；其他列都是零。"),
    "ar.input_one_every": ("The one input x is repeated in every column.",
                           "唯一的输入 x 在每一列中重复出现。"),
    "ar.output_one": ("The one output y: {O} values", "唯一的输出 y：{O} 个值"),
    "ar.output_title": ("Outputs y_t: {T} steps × {O} values", "输出 y_t：{T} 步 × {O} 个值"),
    "ar.io_caption_n_to_n": (
        "One output column for every input column: y_t = V h_t + c, the same V at every step.",
        "每个输入列对应一个输出列：y_t = V h_t + c，每一步使用同一个 V。"),
    "ar.io_caption_n_to_1": (
        "A whole sequence in, a single vector out (untrained, so its values are not yet a "
        "meaningful judgement).",
        "输入整个序列，输出单个向量（模型未经训练，所以这些数值还不是有意义的判断）。"),
    "ar.io_caption_one_to_n": (
        "One vector in, a sequence out. Compare the two ways of feeding it: with the input only "
        "at the first step, the outputs settle as the memory of x fades.",
        "输入一个向量，输出一个序列。比较两种输入方式：如果只在第一步输入，随着对 x "
        "的记忆逐渐消退，输出会趋于平稳。"),
    "ar.io_caption_n_to_m": (
        "N steps in, M steps out: the two lengths are set independently (the sidebar's "
        "sequence length and M above).",
        "输入 N 步，输出 M 步：两个长度各自独立设定（侧边栏中的序列长度和上面的 M）。"),
    "ar.hidden": ("Hidden states", "隐藏状态"),
    "ar.hidden_encoder": ("The encoder's states; the decoder's follow below.",
                          "下面先是编码器的状态，随后是解码器的状态。"),
    "ar.layer_title": ("Layer {l}: {name}", "第 {l} 层：{name}"),
    "ar.dir_title": ("Hidden state {name}", "隐藏状态 {name}"),
    "ar.stacked_caption": (
        "Layer {l} reads layer {label}'s states as its input sequence: its W_ih has shape "
        "[{H}, {value}] (hidden × the size of the state below), where layer 1's W_ih has one "
        "column per input feature.",
        "第 {l} 层把第 {label} 层的状态当作自己的输入序列：它的 W_ih 形状为 [{H}, {value}]"
        "（隐藏单元数 × 下一层状态的大小），而第 1 层的 W_ih 每个输入特征对应一列。"),
    "ar.concat_title": ("[h_t; g_t]: both directions stacked, {H} + {H} = {value} units",
                        "[h_t; g_t]：两个方向拼接，{H} + {H} = {value} 个单元"),
    "ar.bi_caption": (
        "Two independent RNNs read the sequence, one from the start (h_t) and one from the end "
        "(g_t = tanh(W_2 g_(t+1) + U_2 x_t + b_2)); at every step their states are "
        "concatenated into {value} numbers, and the output layer V, of shape [{O}, {value}], "
        "reads both: each output knows the past and the future of its step.",
        "两个相互独立的 RNN 读取同一序列，一个从开头读（h_t），一个从末尾读"
        "（g_t = tanh(W_2 g_(t+1) + U_2 x_t + b_2)）；每一步把两者的状态拼接成 {value} 个数，"
        "形状为 [{O}, {value}] 的输出层 V 同时读取两者：每个输出既了解该步之前，也了解该步之后。"),
    "ar.decoder_title": ("Decoder states s_j: {n} steps × {value} units",
                         "解码器状态 s_j：{n} 步 × {value} 个单元"),
    "ar.dec_step": ("decoder step j", "解码器时间步 j"),
    "ar.to_ed": ("Every context and feed, and attention: open Encoder-decoder →",
                 "所有上下文构造方式、输入方式以及注意力：打开“编码器-解码器” →"),
    "ar.readout_caption_last": (
        "The output layer reads r = h_N ({value} numbers); with two directions, r = [h_N; g_1], "
        "since the backward direction finishes at step 1.",
        "输出层读取 r = h_N（{value} 个数）；双向时 r = [h_N; g_1]，因为反向 RNN 在第 1 步结束。"),
    "ar.readout_caption_mean": ("The output layer reads r = the mean of the states over time "
                                "({value} numbers).",
                                "输出层读取 r = 各时间步状态的平均值（{value} 个数）。"),
    "ar.readout_caption_max": ("The output layer reads r = each unit's maximum over time "
                               "({value} numbers).",
                               "输出层读取 r = 每个单元在所有时间步上的最大值（{value} 个数）。"),
    "ar.shapes": ("Every shape, as PyTorch gives it", "每个张量的形状（与 PyTorch 一致）"),
    "ar.col_what": ("what it is", "含义"),
    "ar.shapes_caption": (
        "Time first, as torch.nn.RNN's default (batch_first=False); the batch B = {value} is "
        "set in the sidebar. The code on the right makes exactly these shapes.",
        "与 torch.nn.RNN 的默认设置一样，时间维在最前（batch_first=False）；批大小 B = {value} "
        "在侧边栏中设置。右侧的代码会得到完全相同的形状。"),
    "ar.sh_x_one": ("the one input (batch, features)", "唯一的输入（批，特征）"),
    "ar.sh_input": ("the sequence the RNN reads (time, batch, features)",
                    "RNN 读取的序列（时间，批，特征）"),
    "ar.sh_h0": ("initial state (layers × directions, batch, hidden)",
                 "初始状态（层数 × 方向数，批，隐藏）"),
    "ar.sh_output": ("top layer's h_t at every step (time, batch, hidden)",
                     "最上层每一步的 h_t（时间，批，隐藏）"),
    "ar.sh_output_bi": ("top layer's [h_t; g_t] at every step (time, batch, 2 × hidden)",
                        "最上层每一步的 [h_t; g_t]（时间，批，2 × 隐藏）"),
    "ar.sh_h_n": ("every layer's and direction's final state", "每一层、每个方向的最终状态"),
    "ar.sh_r_last": ("what the head reads: the final state(s)", "输出层读取的内容：最终状态"),
    "ar.sh_r_mean": ("what the head reads: the mean over time", "输出层读取的内容：时间上的平均"),
    "ar.sh_r_max": ("what the head reads: the maximum over time",
                    "输出层读取的内容：时间上的最大值"),
    "ar.sh_y_one": ("the one output (batch, outputs)", "唯一的输出（批，输出）"),
    "ar.sh_c": ("the context vector c (batch, K × hidden)", "上下文向量 c（批，K × 隐藏）"),
    "ar.sh_dec_input": ("what the decoder reads: the previous output (steps M, batch, outputs)",
                        "解码器读取的内容：上一个输出（步数 M，批，输出）"),
    "ar.sh_dec_output": ("the decoder's states (steps M, batch, K × hidden)",
                         "解码器的状态（步数 M，批，K × 隐藏）"),
    "ar.sh_y": ("outputs at every step (steps, batch, outputs)", "每一步的输出（步数，批，输出）"),
    # ---------------------------------------------------------------------------------------------
    # View 5: encoder-decoder
    # ---------------------------------------------------------------------------------------------
    "ed.title": ("Encoder-decoder: the context vector", "编码器-解码器：上下文向量"),
    "ed.intro": (
        "An encoder RNN reads x_1 … x_N; what it hands to the decoder is the **context vector "
        "c**, and the decoder writes y_1 … y_M from it. The sidebar sets the encoder and the "
        "input sequence (its length is N); here you choose how c is made, how the decoder "
        "takes it, and M. The model is untrained: watch where the numbers flow, not what they "
        "mean. The last section shows trained models.",
        "编码器 RNN 读入 x_1 … x_N，把**上下文向量 c** 交给解码器，解码器再由它写出 y_1 … y_M。"
        "侧边栏设定编码器和输入序列（其长度就是 N）；在这里你可以选择 c 的构造方式、解码器接收 "
        "c 的方式以及 M。模型未经训练：请关注数字如何流动，而不是它们的含义。最后一节展示训练过的"
        "模型。"),
    "ed.context": ("Context c", "上下文向量 c"),
    "ed.ctx_last": ("c = h_N, the encoder's last state", "c = h_N，编码器的最后状态"),
    "ed.ctx_transform": ("c = g(h_N), a transform of the last state",
                         "c = g(h_N)，对最后状态做一次变换"),
    "ed.ctx_mean": ("c = mean of h_1 … h_N (pooling)", "c = h_1 … h_N 的平均（池化）"),
    "ed.ctx_max": ("c = max of h_1 … h_N (pooling)", "c = h_1 … h_N 的最大值（池化）"),
    "ed.ctx_dot": ("attention, dot-product score", "注意力，点积打分"),
    "ed.ctx_additive": ("attention, additive score", "注意力，加性打分"),
    "ed.feed": ("How the decoder takes c", "解码器如何接收 c"),
    "ed.feed_init": ("as its initial state s_0", "作为初始状态 s_0"),
    "ed.feed_input": ("as an extra input at every step", "作为每一步的额外输入"),
    "ed.feed_both": ("both", "两者都用"),
    "ed.m_steps": ("Output steps M (1 to {n})", "输出步数 M（1 到 {n}）"),
    "ed.m_help": ("The decoder's length, independent of the input length N set in the sidebar.",
                  "解码器的长度，与侧边栏中设定的输入长度 N 无关。"),
    "ed.attention_init": (
        "With attention the context changes at every decoder step, so it has to enter as an "
        "input at every step: “as its initial state” alone is not possible. Showing “both”: "
        "the decoder starts from h_N and reads c_j at every step.",
        "使用注意力时，上下文向量在解码器的每一步都会变化，因此必须在每一步作为输入送入："
        "不能只用“作为初始状态”。现在显示的是“两者都用”：解码器从 h_N 开始，并在每一步读取 c_j。"),
    "ed.ctx_caption_last": (
        "The whole input has to pass through the encoder's last state: a fixed-length vector, "
        "however long the input.",
        "整个输入都必须挤进编码器的最后状态：无论输入多长，它都是一个固定长度的向量。"),
    "ed.ctx_caption_transform": (
        "The last state passes through one more layer, W_c [C, C] and tanh, before the decoder "
        "sees it: still one fixed-length vector.",
        "最后状态在交给解码器之前再经过一层 W_c [C, C] 和 tanh：它仍然是一个固定长度的向量。"),
    "ed.ctx_caption_mean": (
        "Every encoder state contributes equally: early inputs are not forgotten, but they are "
        "averaged together into one fixed-length vector.",
        "每个编码器状态贡献相同：前面的输入不会被遗忘，但所有状态被平均成一个固定长度的向量。"),
    "ed.ctx_caption_max": (
        "Each unit keeps the largest value it reached over the N steps, wherever it occurred.",
        "每个单元保留它在 N 步中达到的最大值，不论出现在哪一步。"),
    "ed.ctx_caption_dot": (
        "At every decoder step j, each encoder state h_i gets a score s_(j-1) · h_i; the "
        "softmax of the scores gives the weights α_ji, and c_j is the weighted sum: a new "
        "context for every output, the remedy for the fixed-length bottleneck.",
        "在解码器的每一步 j，每个编码器状态 h_i 得到一个分数 s_(j-1) · h_i；对分数做 softmax "
        "得到权重 α_ji，c_j 就是加权和：每个输出都有自己的上下文，这正是解决固定长度瓶颈的办法。"),
    "ed.ctx_caption_additive": (
        "Like the dot-product score, but the score is a small network, v · tanh(W_q s_(j-1) + "
        "W_k h_i), with weights of its own (Bahdanau's attention).",
        "与点积打分类似，但分数由一个小网络给出：v · tanh(W_q s_(j-1) + W_k h_i)，"
        "它有自己的权重（Bahdanau 注意力）。"),
    "ed.feed_caption_init": ("The decoder starts from s_0 = c and never sees c again.",
                             "解码器从 s_0 = c 出发，之后不再看到 c。"),
    "ed.feed_caption_input": (
        "The decoder starts from zeros and reads [y_(j-1); c] at every step, so c cannot fade.",
        "解码器从零开始，在每一步读取 [y_(j-1); c]，因此 c 不会被逐渐遗忘。"),
    "ed.feed_caption_both": ("The decoder starts from c and also reads it at every step.",
                             "解码器从 c 出发，并在每一步也读取它。"),
    "ed.diagram_caption": (
        "Red: the context c and where it goes. Each decoder step reads the previous output "
        "y_(j-1): the decoder feeds its own outputs back (greedy decoding, zeros at the first "
        "step).",
        "红色：上下文向量 c 以及它的去向。解码器每一步读取上一个输出 y_(j-1)："
        "解码器把自己的输出送回（贪心解码，第一步输入为零）。"),
    "ed.states": ("Encoder, c, decoder", "编码器、c、解码器"),
    "ed.step": ("Decoder step j whose c_j is drawn (1 to {n})", "显示第 j 步的 c_j（1 到 {n}）"),
    "ed.step_help": ("With attention every decoder step has its own context c_j.",
                     "使用注意力时，解码器的每一步都有自己的上下文 c_j。"),
    "ed.metric_n": ("input steps N", "输入步数 N"),
    "ed.metric_c": ("numbers in c", "c 中数的个数"),
    "ed.metric_m": ("output steps M", "输出步数 M"),
    "ed.states_title": ("Encoder states, the context c ({value} numbers), decoder states",
                        "编码器状态、上下文向量 c（{value} 个数）、解码器状态"),
    "ed.enc_axis": ("encoder step i (N = {T})", "编码器时间步 i（N = {T}）"),
    "ed.dec_axis": ("decoder step j (M = {n})", "解码器时间步 j（M = {n}）"),
    "ed.states_caption": (
        "Rows are units, shared by all three panels. Whatever N is ({T} now), c holds "
        "{value} numbers: make the sequence longer in the sidebar and c stays the same size.",
        "每一行是一个单元，三个面板共用。无论 N 是多少（当前为 {T}），c 都只有 {value} "
        "个数：在侧边栏中把序列加长，c 的大小不会改变。"),
    "ed.s0_static_init": ("The decoder's first column starts from exactly these bars.",
                          "解码器的第一列正是从这些条形所示的数值出发。"),
    "ed.s0_static_input": ("The decoder starts from zeros; the bars enter every column.",
                           "解码器从零开始；这些条形所示的数值进入每一列。"),
    "ed.s0_static_both": ("The decoder starts from these bars, and they enter every column.",
                          "解码器从这些条形所示的数值出发，并且它们也进入每一列。"),
    "ed.s0_attention_input": ("The decoder starts from zeros; the bars are c_j of the chosen "
                              "step.", "解码器从零开始；条形显示的是所选步的 c_j。"),
    "ed.s0_attention_both": ("The decoder starts from h_N; the bars are c_j of the chosen step.",
                             "解码器从 h_N 出发；条形显示的是所选步的 c_j。"),
    "ed.attention": ("Attention weights", "注意力权重"),
    "ed.attention_title": ("α: {n} decoder steps × {T} encoder steps, each row sums to 1",
                           "α：{n} 个解码器步 × {T} 个编码器步，每行之和为 1"),
    "ed.dec_tokens": ("decoder step j (its output class)", "解码器时间步 j（其输出类别）"),
    "ed.attention_caption": (
        "Row j is where the decoder looks while writing output j: a probability distribution "
        "over the encoder's steps. Untrained, the weights are nearly spread out; a trained "
        "model's are sharp (see the bottleneck section below).",
        "第 j 行表示解码器写第 j 个输出时关注的位置：它是编码器各步上的概率分布。"
        "未经训练时权重比较分散；训练后的模型权重会很集中（见下面的瓶颈一节）。"),
    "ed.no_attention_last": (
        "No attention with c = h_N: every decoder step reads the same c, as if all weight sat "
        "on the last of the {T} encoder steps. Choose an attention context to see α.",
        "c = h_N 时没有注意力：解码器的每一步都读取同一个 c，相当于全部权重都放在 {T} "
        "个编码器步中的最后一步上。选择一种注意力上下文即可看到 α。"),
    "ed.no_attention_transform": (
        "No attention with c = g(h_N): every decoder step reads the same c, made from the last "
        "of the {T} encoder steps. Choose an attention context to see α.",
        "c = g(h_N) 时没有注意力：解码器的每一步都读取同一个 c，它由 {T} "
        "个编码器步中的最后一步得到。选择一种注意力上下文即可看到 α。"),
    "ed.no_attention_mean": (
        "No attention with mean pooling: every decoder step reads the same c, as if each of "
        "the {T} encoder steps had the weight 1/N. Choose an attention context to see α.",
        "平均池化时没有注意力：解码器的每一步都读取同一个 c，相当于 {T} 个编码器步的权重都是 "
        "1/N。选择一种注意力上下文即可看到 α。"),
    "ed.no_attention_max": (
        "No attention with max pooling: every decoder step reads the same c, each unit taken "
        "from whichever of the {T} encoder steps it peaked at. Choose an attention context to "
        "see α.",
        "最大池化时没有注意力：解码器的每一步都读取同一个 c，每个单元取自它在 {T} "
        "个编码器步中达到峰值的那一步。选择一种注意力上下文即可看到 α。"),
    "ed.outputs": ("What the decoder writes", "解码器写出的内容"),
    "ed.outputs_title": ("softmax(y_j) over the output classes, {n} steps",
                         "输出类别上的 softmax(y_j)，共 {n} 步"),
    "ed.dec_step": ("decoder step j", "解码器时间步 j"),
    "ed.outputs_caption": (
        "The class with the highest probability at step j is fed back as the decoder's input "
        "at step j + 1 (as a one-hot vector).",
        "第 j 步概率最高的类别会以独热向量的形式，作为第 j + 1 步解码器的输入送回。"),
    "ed.shapes": ("Shapes and parameters", "形状与参数"),
    "ed.bottleneck": ("The bottleneck, measured", "瓶颈的实测"),
    "ed.bottleneck_intro": (
        "Does a fixed-length c really lose information as N grows? Small encoder-decoders were "
        "trained to copy or reverse N random tokens, once with c = h_N and once with "
        "attention, and measured on sequences they had never seen, decoding on their own.",
        "固定长度的 c 真的会随着 N 变大而丢失信息吗？我们训练了一些小型编码器-解码器，"
        "让它们复制或倒序输出 N 个随机符号，一组用 c = h_N，一组用注意力，"
        "然后在从未见过的序列上、由模型自行解码来测量。"),
    "ed.bn_missing": (
        "No measurements yet: run python benchmarks/bench_bottleneck.py (a few minutes) to "
        "write data/bottleneck.json, then reload this page.",
        "尚无测量结果：运行 python benchmarks/bench_bottleneck.py（需要几分钟）生成 "
        "data/bottleneck.json，然后重新加载本页。"),
    "ed.bn_task": ("Task", "任务"),
    "ed.task_copy": ("copy", "复制"),
    "ed.task_reverse": ("reverse", "倒序"),
    "ed.bn_last": ("c = h_N (fixed length)", "c = h_N（固定长度）"),
    "ed.bn_attention": ("attention", "注意力"),
    "ed.bn_title": ("Accuracy against the input length N: {name}",
                    "准确率与输入长度 N 的关系：{name}"),
    "ed.bn_x": ("input length N (tokens)", "输入长度 N（符号个数）"),
    "ed.bn_y": ("tokens right (greedy decoding)", "输出正确的符号比例（贪心解码）"),
    "ed.bn_chance": ("chance", "随机猜测"),
    "ed.bn_caption": (
        "{cell} encoder and decoder with {H} hidden units, so c = h_N holds {H} numbers; "
        "{value} symbols; {step} Adam steps per point, seeded. With c = h_N the accuracy falls "
        "as N grows, while attention, which reads every h_i again at every step, holds up.",
        "{cell} 编码器和解码器，隐藏单元 {H} 个，因此 c = h_N 只有 {H} 个数；符号共 {value} 种；"
        "每个点用 Adam 训练 {step} 步，随机种子固定。使用 c = h_N 时准确率随 N 增大而下降，"
        "而注意力在每一步都重新读取每个 h_i，准确率保持较高。"),
    "ed.bn_example": ("Trained attention ({name}, N = {T})", "训练后的注意力（{name}，N = {T}）"),
    "ed.bn_example_x": ("input token", "输入符号"),
    "ed.bn_example_y": ("output token", "输出符号"),
    "ed.bn_example_caption": (
        "Trained on reversing, each output step puts almost all its weight on one input: the "
        "anti-diagonal. The decoder reads the token it needs instead of recalling it from one "
        "vector.",
        "在倒序任务上训练后，每个输出步几乎把全部权重放在一个输入上：形成一条反对角线。"
        "解码器直接读取它需要的符号，而不是从一个向量中回忆。"),
}

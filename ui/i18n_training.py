"""Strings of the training view(s), merged into ui.i18n.STRINGS (the app's one translation table):
key -> (English, Simplified Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {
    "tr.title": ("Training", "训练"),
    "tr.intro": (
        "Train a small recurrent network on a task, live, in NumPy: pick the task, the cell and "
        "the optimiser, press **Train**, and watch the loss fall and the gradient norm move. "
        "Every run is seeded, so the same settings draw the same curves. This view has its own "
        "settings; the sidebar's apply to the other views.",
        "在浏览器里用 NumPy 现场训练一个小型循环网络：选好任务、单元和优化器，按下**训练**，"
        "看损失下降、梯度范数变化。每次训练都固定了随机种子，相同的设置画出相同的曲线。"
        "本视图有自己的设置；侧边栏的设置只作用于其他视图。"),
    # -- controls
    "tr.task": ("Task", "任务"),
    "tr.task_sine": ("Next value of a noisy sine (N to N)", "预测带噪正弦波的下一个值（N 对 N）"),
    "tr.task_memory": ("Remember a symbol k steps back (N to 1)",
                       "记住 k 步之前的符号（N 对 1）"),
    "tr.task_chars": ("Character language model (1 to N)", "字符级语言模型（1 对 N）"),
    "tr.task_help_sine": (
        "Each sequence is a sine wave of random frequency with noise added; at every step the "
        "network predicts the wave's next value. Loss: mean squared error.",
        "每条序列是一段频率随机、加了噪声的正弦波；网络在每一步预测波形的下一个值。"
        "损失：均方误差。"),
    "tr.task_help_memory": (
        "The network reads random symbols and, at the end, must name the one it read k steps "
        "before the end. Loss: cross-entropy on the last step.",
        "网络读入一串随机符号，读完后要说出倒数第 k 步之前读到的那个符号。"
        "损失：最后一步的交叉熵。"),
    "tr.task_help_chars": (
        "The network reads a text one character at a time and predicts the next character; "
        "afterwards it writes new text one character at a time. Loss: cross-entropy per "
        "character.",
        "网络逐个字符读入一段文本并预测下一个字符；训练后它再逐个字符地写出新文本。"
        "损失：每个字符的交叉熵。"),
    "tr.task_seq2seq": ("Copy or reverse a sequence (N to M)", "复制或倒序一个序列（N 对 M）"),
    "tr.task_help_seq2seq": (
        "An encoder-decoder: the encoder reads random symbols, and the decoder writes them "
        "back, in the same order or back to front, one symbol per step. Loss: cross-entropy per written symbol.",
        "编码器-解码器：编码器读入一串随机符号，解码器再逐步把它们写出来，按原顺序或倒过来。"
        "损失：每个写出符号的交叉熵。"),
    "tr.s2s_mode": ("Write the symbols", "写出符号的顺序"),
    "tr.s2s_copy": ("in the same order (copy)", "按原顺序（复制）"),
    "tr.s2s_reverse": ("back to front (reverse)", "倒过来（倒序）"),
    "tr.s2s_length": ("Symbols per sequence N (2 to {hi})", "每条序列的符号数 N（2 到 {hi}）"),
    "tr.s2s_caption": (
        "Each sequence is {n} symbols drawn from {value} (A, B, C, …). Encoder and decoder use "
        "the cell chosen above; the context c is the decoder's initial state (with attention: "
        "h_N, and c_t changes at every step) and enters its every step beside the previous symbol. While training, the decoder reads the correct "
        "previous symbol (teacher forcing); below it reads its own, as it would in use.",
        "每条序列由 {n} 个符号组成，符号取自 {value} 个（A、B、C……）。编码器和解码器都用上面选的"
        "单元；上下文 c 既是解码器的初始状态（用注意力时初始状态是 h_N，c_t 每一步都变），也和上一个符号一起进入解码器的每一步。训练时解码器"
        "读入正确的上一个符号（teacher forcing）；下面的结果里它读入自己写出的符号，和实际使用时"
        "一样。"),
    "tr.cell": ("Cell", "单元"),
    "tr.cell_rnn": ("Vanilla RNN", "普通 RNN"),
    "tr.cell_lstm": ("LSTM", "LSTM"),
    "tr.cell_gru": ("GRU", "GRU"),
    "tr.hidden": ("Hidden size H", "隐藏层大小 H"),
    "tr.optimizer": ("Optimiser", "优化器"),
    "tr.opt_adam": ("Adam", "Adam"),
    "tr.opt_sgd": ("SGD with momentum 0.9", "带动量 0.9 的 SGD"),
    "tr.opt_adagrad": ("Adagrad (as in min-char-rnn)", "Adagrad（同 min-char-rnn）"),
    "tr.lr": ("Learning rate", "学习率"),
    "tr.clip": ("Gradient clipping", "梯度裁剪"),
    "tr.clip_norm": ("By global norm", "按全局范数"),
    "tr.clip_value": ("By value", "按数值"),
    "tr.clip_none": ("None", "不裁剪"),
    "tr.clip_at": ("Clip at", "裁剪阈值"),
    "tr.batch": ("Batch size (sequences per step)", "批大小（每步的序列数）"),
    "tr.steps": ("Training steps (up to {hi})", "训练步数（最多 {hi}）"),
    "tr.seed": ("Seed", "随机种子"),
    "tr.lag": ("Lag k", "间隔 k"),
    "tr.gate_bias": ("Keep-gate bias at the start", "保持门的初始偏置"),
    "tr.gate_bias_help": (
        "Added to the initial bias of the LSTM's forget gate and the GRU's update gate. At 0 "
        "(PyTorch's initialisation) these gates start half open, so a memory fades as 0.5^k; "
        "at 3 they start 95% open, so the gradient reaches far back from the first step on. "
        "The vanilla RNN has no such gate.",
        "加到 LSTM 遗忘门和 GRU 更新门的初始偏置上。取 0（PyTorch 的初始化）时这些门一开始"
        "只开一半，记忆按 0.5^k 衰减；取 3 时一开始就打开 95%，梯度从第一步起就能传得很远。"
        "普通 RNN 没有这样的门。"),
    "tr.memory_caption": (
        "Each sequence is {n} steps long: {value} random symbols, the symbol to remember, then "
        "k more random symbols. Guessing gives 25%.",
        "每条序列长 {n} 步：先是 {value} 个随机符号，然后是要记住的符号，再接 k 个随机符号。"
        "瞎猜的正确率是 25%。"),
    "tr.text": ("Text to learn", "要学习的文本"),
    "tr.text_help": (
        "Paste any text (up to {limit} characters and {value} distinct characters). It is only "
        "read, never run. The default is the opening of Alice's Adventures in Wonderland "
        "(Lewis Carroll, 1865, public domain).",
        "可以粘贴任意文本（最多 {limit} 个字符、{value} 种不同字符）。文本只会被读取，"
        "绝不会被执行。默认文本是《爱丽丝梦游仙境》的开头（刘易斯·卡罗尔，1865 年，公有领域）。"),
    "tr.err_text": (
        "The text has {length} characters with {value} distinct ones; allowed are 2 to {limit} "
        "characters with 2 to {hi} distinct ones. Training uses the default passage until the "
        "text fits.",
        "文本有 {length} 个字符、{value} 种不同字符；允许 2 到 {limit} 个字符、2 到 {hi} 种"
        "不同字符。在文本符合要求之前，训练使用默认段落。"),
    "tr.text_caption": ("{length} characters, a vocabulary of {value}.",
                        "共 {length} 个字符，词表大小 {value}。"),
    "tr.stale": (
        "The controls no longer match the run trained so far ({step} steps). Resume continues "
        "it with its own settings; Reset starts over with the new ones.",
        "控件已与目前训练的这次运行（{step} 步）不一致。“继续”按它原来的设置接着训练；"
        "“重置”则用新设置从头开始。"),
    # -- buttons and progress
    "tr.train": ("▶ Train", "▶ 训练"),
    "tr.resume": ("▶ Resume", "▶ 继续"),
    "tr.stop": ("■ Stop", "■ 停止"),
    "tr.reset": ("↺ Reset", "↺ 重置"),
    "tr.done_hint": ("Trained {step} steps. Raise the number of steps to train on.",
                     "已训练 {step} 步。调大训练步数即可继续训练。"),
    "tr.diverged": (
        "Training stopped at step {step}: the loss or the gradient was no longer a finite "
        "number. Lower the learning rate or clip the gradients, then press Reset.",
        "训练在第 {step} 步停止：损失或梯度已不再是有限数。请降低学习率或裁剪梯度，然后按“重置”。"),
    "tr.progress": ("Step {step} of {n} · {a} steps per second · time left {value}",
                    "第 {step} / {n} 步 · 每秒 {a} 步 · 剩余时间 {value}"),
    "tr.press_train": ("Press ▶ Train: the curves appear here as the network learns.",
                       "按下 ▶ 训练：网络学习时，曲线会出现在这里。"),
    "tr.loss_now": ("Loss (smoothed)", "损失（平滑后）"),
    "tr.norm_now": ("Gradient norm (smoothed)", "梯度范数（平滑后）"),
    "tr.rate": ("Steps per second", "每秒步数"),
    "tr.loss_title": ("Loss: {loss}", "损失：{loss}"),
    "tr.loss_sine": ("mean squared error", "均方误差"),
    "tr.loss_memory": ("cross-entropy of the last step", "最后一步的交叉熵"),
    "tr.loss_chars": ("cross-entropy per character", "每个字符的交叉熵"),
    "tr.loss_seq2seq": ("cross-entropy per written symbol", "每个写出符号的交叉熵"),
    "tr.loss_axis": ("loss (log scale)", "损失（对数刻度）"),
    "tr.norm_title": ("Gradient norm before clipping", "裁剪前的梯度范数"),
    "tr.step_axis": ("training step", "训练步"),
    "tr.per_step": ("each step", "每一步"),
    "tr.smoothed": ("mean of the last {n} steps", "最近 {n} 步的平均"),
    "tr.clip_line": ("clipped to {at}", "裁剪到 {at}"),
    "tr.curves_caption": (
        "Each step draws a fresh batch, so the light line is noisy; the dark line is its "
        "trend. A falling loss means the network is learning. The gradient norm is measured "
        "before clipping: above the red line, clipping scales the whole step down.",
        "每一步都抽取新的一批数据，所以浅色线有噪声；深色线是它的趋势。损失下降说明网络在学习。"
        "梯度范数是裁剪前测得的：高于红线时，裁剪会把整步更新按比例缩小。"),
    # -- before and after
    "tr.before_after": ("Before and after training", "训练前后对比"),
    "tr.before_after_caption": (
        "The same held-out sequences, read by the network as it was initialised and as it is "
        "now (after {step} steps). This part is redrawn when training stops.",
        "同一组留出的序列，分别由初始化时的网络和现在（训练 {step} 步后）的网络读取。"
        "这一部分在训练停止时重新绘制。"),
    "tr.input": ("input x_t (noisy)", "输入 x_t（含噪声）"),
    "tr.target": ("target", "目标"),
    "tr.before": ("before training", "训练前"),
    "tr.after": ("after {step} steps", "训练 {step} 步后"),
    "tr.sine_title": ("Predicted next value against the target, one sequence",
                      "一条序列上预测的下一个值与目标"),
    "tr.r2_before": ("R² before", "训练前 R²"),
    "tr.r2_now": ("R² now", "当前 R²"),
    "tr.sine_caption": (
        "The target is the wave's next value without the noise. R² is the share of the "
        "target's variance the predictions explain: 1 is perfect, 0 no better than a constant. "
        "The first steps are hard for any model: it has not yet seen enough of the wave to "
        "know its frequency.",
        "目标是不含噪声的波形下一个值。R² 是预测能解释的目标方差比例：1 为完美，0 相当于只猜一个"
        "常数。最初几步对任何模型都难：它还没看到足够长的波形，无法得知频率。"),
    "tr.conf_before": ("Before training: {a} right", "训练前：正确率 {a}"),
    "tr.conf_now": ("After {step} steps: {a} right", "训练 {step} 步后：正确率 {a}"),
    "tr.predicted": ("predicted symbol", "预测的符号"),
    "tr.true": ("true symbol", "真实的符号"),
    "tr.memory_result_caption": (
        "Each row is a true symbol, each column what the network said; a network that "
        "remembers lights up the diagonal. Guessing is right {value} of the time.",
        "每一行是真实符号，每一列是网络给出的答案；记住了的网络会点亮对角线。"
        "瞎猜的正确率是 {value}。"),
    "tr.next_char": ("**Next-character predictions** on a held-out window of the text:",
                     "在文本的一个留出窗口上的**下一个字符预测**："),
    "tr.next_char_caption": ("Characters predicted right: {a} before training, {b} now.",
                             "预测正确的字符比例：训练前 {a}，现在 {b}。"),
    "tr.temperature": ("Sampling temperature", "采样温度"),
    "tr.temperature_help": (
        "The network's scores are divided by the temperature before softmax: below 1 it picks "
        "its likeliest characters (safe, repetitive), above 1 it takes more risks (varied, "
        "noisier).",
        "网络的得分先除以温度再做 softmax：低于 1 时倾向于选最可能的字符（稳妥但重复），"
        "高于 1 时更敢冒险（多样但更杂乱）。"),
    "tr.sample_before": ("**Written before training**", "**训练前写出的文本**"),
    "tr.sample_now": ("**Written after {step} steps**", "**训练 {step} 步后写出的文本**"),
    "tr.sample_caption": (
        "Both start from the text's first character and draw 200 characters, each from the "
        "network's softmax given everything written so far.",
        "两段都从文本的第一个字符开始，逐个抽取 200 个字符，每个字符都取自网络在已写内容之上"
        "给出的 softmax 分布。"),
    "tr.hidden_before": ("Hidden state h_t before training", "训练前的隐藏状态 h_t"),
    "tr.hidden_now": ("Hidden state h_t after {step} steps", "训练 {step} 步后的隐藏状态 h_t"),
    "tr.hidden_caption": (
        "One held-out sequence: units on the vertical axis, time on the horizontal, red "
        "positive and blue negative, both on the same colour scale. Training gives the units "
        "structure: some track the input, some hold what the task needs.",
        "一条留出序列：纵轴是单元，横轴是时间，红为正、蓝为负，两幅图使用同一色标。"
        "训练让单元变得有结构：有的跟随输入，有的保存任务需要的信息。"),
    # -- the lag comparison
    "tr.sweep": ("Accuracy against the lag: three cells", "正确率随间隔的变化：三种单元"),
    "tr.sweep_caption": (
        "Trains each cell for {n} steps at each lag with this page's optimiser, sizes and "
        "seed, with the keep-gate bias at {value}, and scores it on 256 held-out sequences. "
        "The vanilla RNN's gradient fades with the lag; the gates of the LSTM and the GRU "
        "carry it.",
        "在每个间隔上把每种单元各训练 {n} 步（使用本页的优化器、尺寸和随机种子，保持门偏置取 "
        "{value}），并在 256 条留出序列上评分。普通 RNN 的梯度随间隔衰减；LSTM 和 GRU 的门把它"
        "传了下去。"),
    "tr.sweep_run": ("▶ Compare the cells", "▶ 比较三种单元"),
    "tr.sweep_title": ("Accuracy on held-out sequences against the lag k",
                       "留出序列上的正确率随间隔 k 的变化"),
    "tr.sweep_progress": ("Comparison: {n} of {value} trainings done",
                          "比较：已完成 {n} / {value} 次训练"),
    "tr.lag_axis": ("lag k (steps between the symbol and the end)",
                    "间隔 k（符号与序列末尾之间的步数）"),
    "tr.accuracy": ("accuracy", "正确率"),
    # -- copy / reverse
    "tr.s2s_tokens_before": ("Symbols right, before", "训练前写对的符号"),
    "tr.s2s_tokens_now": ("Symbols right, now", "现在写对的符号"),
    "tr.s2s_seqs_before": ("Whole sequences right, before", "训练前整条写对"),
    "tr.s2s_seqs_now": ("Whole sequences right, now", "现在整条写对"),
    "tr.s2s_read": ("read", "读入"),
    "tr.s2s_position_title": ("Accuracy at each output position", "每个输出位置的正确率"),
    "tr.s2s_position_axis": ("output position j", "输出位置 j"),
    "tr.s2s_result_caption_copy": (
        "Fresh random sequences (short ones were likely also seen in training), decoded by the network alone (^ marks a wrong symbol). Copying "
        "through c = h_N is hardest at the first positions: the first of the {n} symbols was "
        "read longest ago, and the encoder's last state has to carry it through all the "
        "others. Attention reads it straight from h_1.",
        "新随机生成的序列（较短的序列训练中多半也出现过），由网络自己解码（^ 标出写错的符号）。通过 c = h_N 复制时，前面几个位置"
        "最难：{n} 个符号中的第一个是最早读入的，编码器的最后状态要带着它经过其余所有符号。注意力"
        "则直接从 h_1 读取它。"),
    "tr.s2s_result_caption_reverse": (
        "Fresh random sequences (short ones were likely also seen in training), decoded by the network alone (^ marks a wrong symbol). Reversing "
        "through c = h_N starts easy, since the first symbol to write is the last one read, and "
        "grows harder along the {n} positions, as the symbols read longest ago come due. "
        "Attention reads each one from its own encoder state.",
        "新随机生成的序列（较短的序列训练中多半也出现过），由网络自己解码（^ 标出写错的符号）。通过 c = h_N 倒序时，开头容易："
        "要写的第一个符号正是最后读入的；沿着 {n} 个位置越往后越难，因为轮到的是越早读入的符号。"
        "注意力则从每个符号自己的编码器状态中读取它。"),
    "tr.s2s_attention_title": ("Attention weights α after {step} steps, one fresh sequence",
                               "训练 {step} 步后的注意力权重 α（一条新随机序列）"),
    "tr.s2s_attention_x": ("encoder step i: symbol read", "编码器第 i 步：读入的符号"),
    "tr.s2s_attention_y": ("decoder step j: symbol written", "解码器第 j 步：写出的符号"),
    "tr.s2s_attention_caption": (
        "Row j: where the decoder looked (from its state s_(j-1)) before writing symbol j; each "
        "row sums to 1. A trained network looks at the symbol it is about to write, a diagonal "
        "for copying, an anti-diagonal for reversing. A GRU or LSTM often looks one step to the "
        "side: its query is the state that has just written the previous symbol, which matches "
        "the encoder state that has just read that symbol, and a gated encoder state still "
        "carries the symbol read one step before it.",
        "第 j 行：解码器在写第 j 个符号之前（从它的状态 s_(j-1) 出发）看向哪里；每行之和为 1。训练"
        "好的网络会看向它将要写出的符号：复制时是对角线，倒序时是反对角线。GRU 或 LSTM 常常偏开"
        "一步：它的查询是刚写完上一个符号的状态，与刚读入那个符号的编码器状态最相配，而带门的"
        "编码器状态里还留着前一步读入的符号。"),
    "tr.s2s_hidden_caption": (
        "The first {n} columns are the encoder reading, the rest the decoder writing (→ the "
        "symbol it should write).",
        "前 {n} 列是编码器在读入，其余是解码器在写出（→ 后面是它应写出的符号）。"),
    "tr.chance": ("guessing", "瞎猜"),
    # -- downloads
    "tr.download": ("Download", "下载"),
    "tr.download_weights": ("Weights (.npz)", "权重（.npz）"),
    "tr.download_history": ("Loss history (.csv)", "损失历史（.csv）"),
    "tr.download_caption": (
        "The weights carry PyTorch's names (rnn.weight_ih_l0, …, head.weight), so they load "
        "into rnn_core (train.Network.load_state_dict) and, as below, into PyTorch. The CSV has "
        "one row per step: step, loss, gradient norm, seconds.",
        "权重使用 PyTorch 的名字（rnn.weight_ih_l0、…、head.weight），因此可以载入 rnn_core"
        "（train.Network.load_state_dict），也可以像下面这样载入 PyTorch。CSV 每步一行："
        "步数、损失、梯度范数、耗时（秒）。"),
    "tr.download_caption_seq2seq": (
        "The weights carry the names of a PyTorch module with an encoder, a decoder and a head "
        "(encoder.weight_ih_l0, …, decoder.weight_ih_l0, …, head.weight), so they load into "
        "rnn_core (train.EncoderDecoder.load_state_dict) and, as below, into PyTorch. The CSV "
        "has one row per step: step, loss, gradient norm, seconds.",
        "权重使用一个含编码器、解码器和输出层的 PyTorch 模块的名字（encoder.weight_ih_l0、…、"
        "decoder.weight_ih_l0、…、head.weight），因此可以载入 rnn_core"
        "（train.EncoderDecoder.load_state_dict），也可以像下面这样载入 PyTorch。CSV 每步一行："
        "步数、损失、梯度范数、耗时（秒）。"),
}

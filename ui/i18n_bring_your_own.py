"""Strings of the bring_your_own view(s), merged into ui.i18n.STRINGS (the app's one translation table):
key -> (English, Simplified Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {
    "ex.download_states": ("Download the hidden states (CSV)", "下载隐藏状态（CSV）"),
    "ex.download_states_help": (
        "Every layer's and direction's h_t of sample 0: one row per step, one column per unit.",
        "样本 0 每一层、每个方向的 h_t：每个时间步一行，每个单元一列。"),
    "ex.download_grads": ("Download ∂L/∂h_t (CSV)", "下载 ∂L/∂h_t（CSV）"),
    "ex.download_grads_help": (
        "The gradient arriving at every state, for each cell: one row per step, one column per "
        "unit.",
        "每种单元到达每个状态的梯度：每个时间步一行，每个单元一列。"),
    "ex.download_config": ("Download the settings (JSON)", "下载设置（JSON）"),
    "ex.upload_config": ("Load settings from a JSON file", "从 JSON 文件载入设置"),
    "ex.loaded_config": ("Loaded the settings of {name}.", "已载入 {name} 中的设置。"),
    "ex.json_too_large": (
        "The configuration file is {size:,} bytes; at most {limit:,} bytes are allowed.",
        "配置文件大小为 {size:,} 字节，最多允许 {limit:,} 字节。"),
    "ex.json_encoding": (
        "The configuration file is not UTF-8 text (byte {byte}).",
        "配置文件不是 UTF-8 文本（第 {byte} 个字节）。"),
    "ex.json_invalid": (
        "The configuration file is not valid JSON: {reason} (line {line}, column {col}).",
        "配置文件不是有效的 JSON：{reason}（第 {line} 行第 {col} 列）。"),
    "ex.json_too_deep": (
        "The configuration file is nested deeper than {limit} levels; a configuration is flat.",
        "配置文件的嵌套超过 {limit} 层；配置应当是扁平的。"),
    "ex.json_number": (
        "The configuration file holds the number {value}, which is not a finite number of at "
        "most {limit} characters.",
        "配置文件中的数 {value} 不是不超过 {limit} 个字符的有限数。"),
    "ex.json_duplicate": (
        "The configuration file names {name} twice.",
        "配置文件中 {name} 出现了两次。"),
    "ex.json_format": (
        "This is not an RNN Explorer configuration: expected an object with \"format\": "
        "\"{format}\", \"version\" and \"config\".",
        "这不是 RNN 探索器的配置文件：应为包含 \"format\": \"{format}\"、\"version\" 和 "
        "\"config\" 的对象。"),
    "ex.json_version": (
        "The configuration file has version {value}; this app reads version {version}.",
        "配置文件的版本是 {value}；本应用读取的是版本 {version}。"),
    "ex.json_unknown": (
        "The configuration file sets {name}, which is not a setting; ignored.",
        "配置文件设定了 {name}，它不是一个设置项；已忽略。"),
    "ex.json_type": (
        "{name}: {value} is a {given}; expected {expected}. Kept the default.",
        "{name}：{value} 是 {given}；应为 {expected}。保留默认值。"),
}

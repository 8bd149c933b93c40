"""Strings of the upload checks (ui/weights_input.py, ui/frame.py's uploaders), merged into
ui.i18n.STRINGS (the app's one translation table): key -> (English, Simplified Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {
    "wt.member_name": (
        "The archive holds {name}, which is not an array of a state dict: members are plain "
        "names such as weight_ih_l0.npy or head.weight.npy, without folders.",
        "压缩包中有 {name}，它不是 state dict 中的数组：成员应是 weight_ih_l0.npy、"
        "head.weight.npy 这样的简单名称，不带文件夹。"),
    "wt.duplicate": (
        "The archive holds {name} twice.",
        "压缩包中 {name} 出现了两次。"),
    "wt.layer_limit": (
        "Array {name} belongs to layer {layer}; this app has at most {limit} layers "
        "(l0 to l{last}).",
        "数组 {name} 属于第 {layer} 层；本应用最多有 {limit} 层（l0 到 l{last}）。"),
    "wt.encrypted": (
        "Array {name} is encrypted; save the weights with np.savez, without a password.",
        "数组 {name} 已加密；请用 np.savez 保存权重，不要设置密码。"),
    "wt.compression": (
        "Array {name} is compressed with zip method {method}; only the methods np.savez and "
        "np.savez_compressed write (stored, deflated) are read.",
        "数组 {name} 使用 zip 压缩方法 {method}；只读取 np.savez 和 np.savez_compressed "
        "写出的方法（不压缩、deflate）。"),
    "wt.too_big_uncompressed": (
        "The weights file unpacks to {size:,} bytes; at most {limit:,} bytes are allowed: the "
        "largest network this app runs has {params:,} parameters, as float64.",
        "权重文件解压后为 {size:,} 字节，最多允许 {limit:,} 字节：本应用能运行的最大网络有 "
        "{params:,} 个参数（按 float64 计）。"),
    "wt.ratio": (
        "The weights file unpacks to {size:,} bytes from {packed:,} ({ratio:,.0f} times; "
        "trained weights barely compress). A file that unpacks to more than {floor:,} bytes "
        "may be compressed at most {limit} times.",
        "权重文件从 {packed:,} 字节解压为 {size:,} 字节（{ratio:,.0f} 倍；训练好的权重几乎无法压缩）。"
        "解压后超过 {floor:,} 字节的文件，压缩比最多为 {limit} 倍。"),
    "wt.bad_header": (
        "Array {name} does not start with a valid .npy header (as np.save writes it).",
        "数组 {name} 的开头不是有效的 .npy 头部（np.save 写出的那种）。"),
    "wt.dtype_wide": (
        "Array {name} has dtype {dtype}; allowed are floating-point numbers and integers of at "
        "most 64 bits.",
        "数组 {name} 的类型为 {dtype}；只允许不超过 64 位的浮点数和整数。"),
    "wt.shape_limit": (
        "Array {name} has shape {shape}; this app reads it with shape {allowed} at most (the "
        "sidebar's largest sizes).",
        "数组 {name} 的形状为 {shape}；本应用读取的形状最多为 {allowed}（侧边栏允许的最大尺寸）。"),
    "wt.size_mismatch": (
        "Array {name}: its .npy header describes {expected:,} bytes of numbers, but the "
        "archive lists {given:,}. The file is damaged or forged.",
        "数组 {name}：其 .npy 头部描述了 {expected:,} 字节的数值，而压缩包中列出的是 "
        "{given:,} 字节。文件已损坏或被篡改。"),
    "wt.corrupt": (
        "Array {name} does not unpack to the {size:,} bytes the archive lists. The file is "
        "damaged or forged.",
        "数组 {name} 解压后不是压缩包中列出的 {size:,} 字节。文件已损坏或被篡改。"),
    "wt.memory": (
        "The server has no memory left to read this weights file now (files that unpack to "
        "at most {limit:,} bytes are read). Remove the file and upload it again later, or use "
        "a smaller network.",
        "服务器当前没有足够的内存读取这个权重文件（只读取解压后不超过 {limit:,} 字节的文件）。"
        "请移除该文件，稍后重新上传，或换用更小的网络。"),
    "up.data_memory": (
        "The server has no memory left to read this file now (files of at most {limit:,} "
        "bytes, {rows:,} rows and {cols} columns are read). Remove the file and upload it "
        "again later.",
        "服务器当前没有足够的内存读取这个文件（只读取不超过 {limit:,} 字节、{rows:,} 行、"
        "{cols} 列的文件）。请移除该文件，稍后重新上传。"),
}

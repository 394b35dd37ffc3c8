/// The pickle opcodes, named as in CPython's `pickletools`.
enum PickleOpcode: UInt8 {
    case mark = 0x28, stop = 0x2E, pop = 0x30, popMark = 0x31, dup = 0x32
    case float = 0x46, int = 0x49, binint = 0x4A, binint1 = 0x4B, long = 0x4C, binint2 = 0x4D, none = 0x4E
    case persid = 0x50, binpersid = 0x51, reduce = 0x52, string = 0x53, binstring = 0x54, shortBinstring = 0x55
    case unicode = 0x56, binunicode = 0x58, append = 0x61, build = 0x62, global = 0x63, dict = 0x64
    case emptyDict = 0x7D, appends = 0x65, get = 0x67, binget = 0x68, inst = 0x69, longBinget = 0x6A, list = 0x6C
    case emptyList = 0x5D, obj = 0x6F, put = 0x70, binput = 0x71, longBinput = 0x72, setitem = 0x73, tuple = 0x74
    case emptyTuple = 0x29, setitems = 0x75, binfloat = 0x47
    case proto = 0x80, newobj = 0x81, ext1 = 0x82, ext2 = 0x83, ext4 = 0x84, tuple1 = 0x85, tuple2 = 0x86
    case tuple3 = 0x87, newtrue = 0x88, newfalse = 0x89, long1 = 0x8A, long4 = 0x8B
    case binbytes = 0x42, shortBinbytes = 0x43
    case shortBinunicode = 0x8C, binunicode8 = 0x8D, binbytes8 = 0x8E, emptySet = 0x8F, additems = 0x90
    case frozenset = 0x91, newobjEx = 0x92, stackGlobal = 0x93, memoize = 0x94, frame = 0x95
    case bytearray8 = 0x96, nextBuffer = 0x97, readonlyBuffer = 0x98

    /// The `pickletools` name.
    var name: String {
        switch self {
        case .mark: return "MARK"
        case .stop: return "STOP"
        case .pop: return "POP"
        case .popMark: return "POP_MARK"
        case .dup: return "DUP"
        case .float: return "FLOAT"
        case .int: return "INT"
        case .binint: return "BININT"
        case .binint1: return "BININT1"
        case .long: return "LONG"
        case .binint2: return "BININT2"
        case .none: return "NONE"
        case .persid: return "PERSID"
        case .binpersid: return "BINPERSID"
        case .reduce: return "REDUCE"
        case .string: return "STRING"
        case .binstring: return "BINSTRING"
        case .shortBinstring: return "SHORT_BINSTRING"
        case .unicode: return "UNICODE"
        case .binunicode: return "BINUNICODE"
        case .append: return "APPEND"
        case .build: return "BUILD"
        case .global: return "GLOBAL"
        case .dict: return "DICT"
        case .emptyDict: return "EMPTY_DICT"
        case .appends: return "APPENDS"
        case .get: return "GET"
        case .binget: return "BINGET"
        case .inst: return "INST"
        case .longBinget: return "LONG_BINGET"
        case .list: return "LIST"
        case .emptyList: return "EMPTY_LIST"
        case .obj: return "OBJ"
        case .put: return "PUT"
        case .binput: return "BINPUT"
        case .longBinput: return "LONG_BINPUT"
        case .setitem: return "SETITEM"
        case .tuple: return "TUPLE"
        case .emptyTuple: return "EMPTY_TUPLE"
        case .setitems: return "SETITEMS"
        case .binfloat: return "BINFLOAT"
        case .proto: return "PROTO"
        case .newobj: return "NEWOBJ"
        case .ext1: return "EXT1"
        case .ext2: return "EXT2"
        case .ext4: return "EXT4"
        case .tuple1: return "TUPLE1"
        case .tuple2: return "TUPLE2"
        case .tuple3: return "TUPLE3"
        case .newtrue: return "NEWTRUE"
        case .newfalse: return "NEWFALSE"
        case .long1: return "LONG1"
        case .long4: return "LONG4"
        case .binbytes: return "BINBYTES"
        case .shortBinbytes: return "SHORT_BINBYTES"
        case .shortBinunicode: return "SHORT_BINUNICODE"
        case .binunicode8: return "BINUNICODE8"
        case .binbytes8: return "BINBYTES8"
        case .emptySet: return "EMPTY_SET"
        case .additems: return "ADDITEMS"
        case .frozenset: return "FROZENSET"
        case .newobjEx: return "NEWOBJ_EX"
        case .stackGlobal: return "STACK_GLOBAL"
        case .memoize: return "MEMOIZE"
        case .frame: return "FRAME"
        case .bytearray8: return "BYTEARRAY8"
        case .nextBuffer: return "NEXT_BUFFER"
        case .readonlyBuffer: return "READONLY_BUFFER"
        }
    }
}

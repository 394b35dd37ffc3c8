import Foundation
import KNModel

/// A storage named by a persistent id `('storage', <class>, key, location, numel)`.
struct StorageReference: Hashable {
    var key: String
    var precision: StoragePrecision
    /// Elements declared by the persistent id (checked against the bytes present).
    var count: Int
}

/// A safe unpickler for the `data.pkl` of a torch checkpoint: it interprets the pickle opcodes torch emits
/// (protocols 2 to 5), resolves only an allow-list of globals, and executes nothing.
///
/// Every size read from the pickle is checked against the bytes actually present before anything is allocated.
struct TorchUnpickler {
    /// Limits that bound the work and memory a hostile pickle can cause.
    struct Limits {
        var stackDepth = 1_000_000
        var markDepth = 10_000
        var memoSize = 1_000_000
        var dimensions = 64
        /// Total tensor elements decoded (views of one storage count each time).
        var tensorElements = Int.max
        /// Total bytes of storage entries read (by their declared sizes, before reading): bounds what a zip
        /// bomb, or many entries overlapping the same bytes, could make the reader inflate.
        var storageBytes = UInt64.max
    }

    private let bytes: [UInt8]
    private let source: StorageSource
    private let limits: Limits

    private var position = 0
    private var opcodeOffset = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    // The arena: containers by index.
    private(set) var tuples: [[PickleValue]] = []
    private(set) var lists: [[PickleValue]] = []
    private(set) var dicts: [DictObject] = []
    private(set) var byteStrings: [[UInt8]] = []
    private(set) var storages: [StorageReference] = []
    private(set) var tensors: [Tensor] = []
    private var storageCache: [String: Data] = [:]
    private var decodedElements = 0
    private var storageBytesRead: UInt64 = 0

    /// A dict or OrderedDict: insertion order kept, later keys replace earlier ones.
    struct DictObject {
        var ordered: Bool
        var items: [(key: PickleValue, value: PickleValue)] = []
        var index: [PickleValue: Int] = [:]

        mutating func set(_ key: PickleValue, _ value: PickleValue) {
            if let i = index[key] { items[i].value = value } else {
                index[key] = items.count
                items.append((key, value))
            }
        }
    }

    init(pickle: Data, source: StorageSource, limits: Limits = Limits()) {
        self.bytes = [UInt8](pickle)
        self.source = source
        self.limits = limits
    }

    // MARK: Errors

    private func fail(_ problem: String, fix: String? = nil, kind: ImportError.Kind = .pickle) -> ImportError {
        ImportError(kind, file: source.path, location: "\(source.pickleEntry), byte \(opcodeOffset)", problem: problem,
                    fix: fix ?? "the checkpoint is damaged or was not written by torch.save; re-save the state dict with torch.save(model.state_dict(), path)")
    }

    // MARK: Reading the program

    private mutating func take(_ n: Int) throws(ImportError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else {
            throw fail("the pickle ends early: \(n) bytes needed, \(bytes.count - position) left")
        }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    private mutating func uint(_ n: Int) throws(ImportError) -> UInt64 {
        var value: UInt64 = 0
        for (i, b) in try take(n).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        return value
    }

    private mutating func length(_ n: Int) throws(ImportError) -> Int {
        let value = try uint(n)
        guard value <= UInt64(bytes.count - position) else {
            throw fail("a length field says \(value) bytes but only \(bytes.count - position) remain")
        }
        return Int(value)
    }

    private mutating func line() throws(ImportError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("the pickle ends inside a GLOBAL name") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private mutating func utf8(_ n: Int) throws(ImportError) -> String {
        let slice = try take(n)
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
        return s
    }

    // MARK: The stack

    private mutating func push(_ v: PickleValue) throws(ImportError) {
        guard stack.count < limits.stackDepth else { throw fail("the pickle stack exceeds \(limits.stackDepth) items") }
        stack.append(v)
    }

    private mutating func pop() throws(ImportError) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let v = stack.popLast() else { throw fail("pops from an empty stack") }
        return v
    }

    private func top() throws(ImportError) -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else { throw fail("reads an empty stack") }
        return v
    }

    private mutating func popMark() throws(ImportError) -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("needs a MARK but none is open") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func newTuple(_ items: [PickleValue]) -> PickleValue {
        tuples.append(items)
        return .tuple(tuples.count - 1)
    }

    private mutating func newDict(ordered: Bool) -> PickleValue {
        dicts.append(DictObject(ordered: ordered))
        return .dict(dicts.count - 1)
    }

    private mutating func setMemo(_ index: Int, _ value: PickleValue) throws(ImportError) {
        guard memo[index] != nil || memo.count < limits.memoSize else {
            throw fail("the memo exceeds \(limits.memoSize) entries")
        }
        memo[index] = value
    }

    private func getMemo(_ index: Int) throws(ImportError) -> PickleValue {
        guard let v = memo[index] else { throw fail("reads memo entry \(index), which was never stored") }
        return v
    }

    private func integer(_ v: PickleValue, _ what: String) throws(ImportError) -> Int {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw fail("\(what) is a \(v.typeName), expected an int")
        }
    }

    private func tupleItems(_ v: PickleValue, _ what: String) throws(ImportError) -> [PickleValue] {
        switch v {
        case .tuple(let i): return tuples[i]
        case .list(let i): return lists[i]
        default: throw fail("\(what) is a \(v.typeName), expected a tuple")
        }
    }

    // MARK: Running

    /// Runs the pickle to its STOP and returns the value it leaves.
    mutating func run() throws(ImportError) -> PickleValue {
        while position < bytes.count {
            opcodeOffset = position
            let byte = bytes[position]
            position += 1
            guard let op = PickleOpcode(rawValue: byte) else {
                throw fail("unknown pickle opcode 0x\(String(byte, radix: 16, uppercase: true))")
            }
            switch op {
            case .proto:
                let version = try uint(1)
                guard version <= 5 else { throw fail("pickle protocol \(version) is newer than 5") }
            case .frame:
                _ = try length(8)
            case .stop:
                let result = try pop()
                guard stack.isEmpty, marks.isEmpty else { throw fail("STOP leaves \(stack.count) items on the stack") }
                return result
            case .mark:
                guard marks.count < limits.markDepth else { throw fail("MARKs nest deeper than \(limits.markDepth)") }
                marks.append(stack.count)
            case .pop:
                _ = try pop()
            case .popMark:
                _ = try popMark()
            case .dup:
                try push(try top())
            case .none: try push(.none)
            case .newtrue: try push(.bool(true))
            case .newfalse: try push(.bool(false))
            case .binint: try push(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))
            case .binint1: try push(.int(Int(try uint(1))))
            case .binint2: try push(.int(Int(try uint(2))))
            case .long1:
                try push(.int(try longInteger(try length(1))))
            case .long4:
                try push(.int(try longInteger(try length(4))))
            case .binfloat:
                var bits: UInt64 = 0
                for b in try take(8) { bits = bits << 8 | UInt64(b) }
                try push(.float(Double(bitPattern: bits)))
            case .shortBinunicode: try push(.string(try utf8(try length(1))))
            case .binunicode: try push(.string(try utf8(try length(4))))
            case .binunicode8: try push(.string(try utf8(try length(8))))
            case .shortBinbytes, .binbytes, .binbytes8:
                let n = try length(op == .shortBinbytes ? 1 : op == .binbytes ? 4 : 8)
                byteStrings.append(Array(try take(n)))
                try push(.bytes(byteStrings.count - 1))
            case .global:
                let module = try line(), name = try line()
                try push(.global(try resolve(module: module, name: name)))
            case .stackGlobal:
                let name = try pop(), module = try pop()
                guard case .string(let n) = name, case .string(let m) = module else {
                    throw fail("STACK_GLOBAL needs two strings, got \(module.typeName) and \(name.typeName)")
                }
                try push(.global(try resolve(module: m, name: n)))
            case .memoize:
                try setMemo(memo.count, try top())
            case .binput: try setMemo(Int(try uint(1)), try top())
            case .longBinput: try setMemo(Int(try uint(4)), try top())
            case .binget: try push(try getMemo(Int(try uint(1))))
            case .longBinget: try push(try getMemo(Int(try uint(4))))
            case .emptyTuple: try push(newTuple([]))
            case .tuple: let items = try popMark(); try push(newTuple(items))
            case .tuple1:
                let a = try pop()
                try push(newTuple([a]))
            case .tuple2:
                let b = try pop(), a = try pop()
                try push(newTuple([a, b]))
            case .tuple3:
                let c = try pop(), b = try pop(), a = try pop()
                try push(newTuple([a, b, c]))
            case .emptyList:
                lists.append([])
                try push(.list(lists.count - 1))
            case .list:
                let items = try popMark()
                lists.append(items)
                try push(.list(lists.count - 1))
            case .append:
                let v = try pop()
                guard case .list(let i) = try top() else { throw fail("APPEND to a \(try top().typeName)") }
                lists[i].append(v)
            case .appends:
                let items = try popMark()
                guard case .list(let i) = try top() else { throw fail("APPENDS to a \(try top().typeName)") }
                lists[i].append(contentsOf: items)
            case .emptyDict:
                try push(newDict(ordered: false))
            case .dict:
                let items = try popMark()
                let d = newDict(ordered: false)
                try setItems(items, into: d)
                try push(d)
            case .setitem:
                let v = try pop(), k = try pop()
                try setItems([k, v], into: try top())
            case .setitems:
                let items = try popMark()
                try setItems(items, into: try top())
            case .reduce:
                let args = try pop(), callable = try pop()
                try push(try reduce(callable, args))
            case .newobj:
                let args = try pop(), cls = try pop()
                guard case .global(.orderedDict) = cls else {
                    throw fail("NEWOBJ on \(cls.typeName) is not supported; only collections.OrderedDict can be created this way")
                }
                try push(try reduce(cls, args))
            case .build:
                let state = try pop()
                let target = try top()
                guard case .dict = target else {
                    throw fail("BUILD on a \(target.typeName) is not supported (only an OrderedDict's _metadata is)")
                }
                _ = state  // The OrderedDict's `_metadata` attribute: not needed for import.
            case .binpersid:
                let pid = try pop()
                try push(try persistentLoad(pid))
            default:
                throw fail("pickle opcode \(op.name) (0x\(String(byte, radix: 16, uppercase: true))) is not supported by this importer")
            }
        }
        opcodeOffset = position
        throw fail("the pickle ends without a STOP opcode")
    }

    private mutating func longInteger(_ n: Int) throws(ImportError) -> Int {
        guard n <= 8 else { throw fail("an integer of \(n) bytes is too large") }
        let digits = try take(n)
        guard let top = digits.last else { return 0 }
        var value: UInt64 = 0
        for (i, b) in digits.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        if n < 8, top & 0x80 != 0 { value |= ~UInt64(0) << (8 * UInt64(n)) }
        return Int(Int64(bitPattern: value))
    }

    private func resolve(module: String, name: String) throws(ImportError) -> AllowedGlobal {
        guard let g = AllowedGlobal(module: module, name: name) else {
            throw fail("global \(module).\(name) is not allowed: a checkpoint may reference only collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch storage classes, so this file is not a plain state dict (or is malicious)",
                       fix: "load it in Python only if you trust it, and re-save just the weights with torch.save(model.state_dict(), path)")
        }
        return g
    }

    private mutating func setItems(_ items: [PickleValue], into target: PickleValue) throws(ImportError) {
        guard case .dict(let d) = target else { throw fail("SETITEM(S) on a \(target.typeName)") }
        guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
        for i in stride(from: 0, to: items.count, by: 2) {
            switch items[i] {
            case .list, .dict, .bytes: throw fail("a dict key is an unhashable \(items[i].typeName)")
            default: dicts[d].set(items[i], items[i + 1])
            }
        }
    }

    // MARK: Calls

    private mutating func reduce(_ callable: PickleValue, _ args: PickleValue) throws(ImportError) -> PickleValue {
        guard case .global(let g) = callable else { throw fail("REDUCE calls a \(callable.typeName), which is not callable") }
        let a = try tupleItems(args, "the argument of \(g.qualifiedName)")
        switch g {
        case .orderedDict:
            let d = newDict(ordered: true)
            if let first = a.first {
                guard a.count == 1, case .list(let l) = first else {
                    throw fail("collections.OrderedDict takes no argument or one list of pairs")
                }
                for pair in lists[l] {
                    let kv = try tupleItems(pair, "an OrderedDict item")
                    guard kv.count == 2 else { throw fail("an OrderedDict item has \(kv.count) elements, expected 2") }
                    try setItems(kv, into: d)
                }
            }
            return d
        case .rebuildTensorV2:
            guard a.count == 6 || a.count == 7 else {
                throw fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got \(a.count)")
            }
            return try rebuildTensor(a)
        case .rebuildParameter:
            guard a.count == 3, case .tensor(let t) = a[0] else {
                throw fail("_rebuild_parameter takes (tensor, requires_grad, backward_hooks)")
            }
            var tensor = tensors[t]
            if case .bool(let grad) = a[1] { tensor.requiresGrad = grad }
            tensors.append(tensor)
            return .tensor(tensors.count - 1)
        case .storageClass(let name):
            throw fail("torch.\(name) is called directly; torch.save stores storages by persistent id")
        }
    }

    private mutating func persistentLoad(_ pid: PickleValue) throws(ImportError) -> PickleValue {
        let items = try tupleItems(pid, "the persistent id")
        guard items.count == 5, case .string("storage") = items[0] else {
            throw fail("a persistent id must be ('storage', class, key, location, numel), got a \(items.count)-tuple")
        }
        guard case .global(.storageClass(let cls)) = items[1] else {
            throw fail("the storage class in a persistent id is a \(items[1].typeName)")
        }
        let key: String
        switch items[2] {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        default: throw fail("a storage key is a \(items[2].typeName), expected a string")
        }
        let count = try integer(items[4], "the element count of storage '\(key)'")
        guard let precision = AllowedGlobal.precision(ofStorage: cls) else {
            throw fail("storage '\(key)' has unsupported dtype \(AllowedGlobal.dtype(ofStorage: cls)) (torch.\(cls)); only float16, bfloat16, float32 and float64 parameters can be imported",
                       fix: "convert the parameters to float before saving: torch.save({k: v.float() for k, v in sd.items()}, path)",
                       kind: .tensor)
        }
        guard let present = source.storageByteCount(key) else {
            throw fail("storage '\(key)' has no entry \(source.pickleEntry.dropLast("data.pkl".count))data/\(key) in the archive",
                       fix: "the checkpoint is incomplete; re-save it with torch.save", kind: .tensor)
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: precision.byteWidth)
        guard count >= 0, !overflow, UInt64(needed) <= present else {
            throw fail("storage '\(key)' declares \(count) \(precision.rawValue) elements (\(overflow ? "overflowing" : String(needed)) bytes) but its entry holds \(present) bytes",
                       fix: "the checkpoint is damaged or hostile; re-save it with torch.save", kind: .tensor)
        }
        if let i = storages.firstIndex(where: { $0.key == key }) {
            guard storages[i].precision == precision else {
                throw fail("storage '\(key)' is used as both \(storages[i].precision.rawValue) and \(precision.rawValue)", kind: .tensor)
            }
            return .storage(i)
        }
        storages.append(StorageReference(key: key, precision: precision, count: count))
        return .storage(storages.count - 1)
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private mutating func rebuildTensor(_ a: [PickleValue]) throws(ImportError) -> PickleValue {
        guard case .storage(let s) = a[0] else {
            throw fail("_rebuild_tensor_v2's storage is a \(a[0].typeName), expected a persistent storage")
        }
        let ref = storages[s]
        let offset = try integer(a[1], "the storage offset")
        let size = try tupleItems(a[2], "the tensor size").map { v throws(ImportError) in try integer(v, "a tensor size") }
        let stride = try tupleItems(a[3], "the tensor stride").map { v throws(ImportError) in try integer(v, "a tensor stride") }
        let requiresGrad: Bool
        if case .bool(let b) = a[4] { requiresGrad = b } else { requiresGrad = false }
        let what = "tensor on storage '\(ref.key)'"
        guard size.count == stride.count, size.count <= limits.dimensions else {
            throw fail("\(what) has \(size.count) sizes and \(stride.count) strides", kind: .tensor)
        }
        guard offset >= 0, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
            throw fail("\(what) has a negative offset, size or stride (offset \(offset), size \(Tensor.describe(size)), stride \(Tensor.describe(stride)))", kind: .tensor)
        }
        var count = 1, last = offset, overflow = false
        for (n, st) in zip(size, stride) {
            var o1 = false, o2 = false, o3 = false
            (count, o1) = count.multipliedReportingOverflow(by: n)
            var span = 0
            if n > 0 { (span, o2) = (n - 1).multipliedReportingOverflow(by: st) }
            (last, o3) = last.addingReportingOverflow(span)
            overflow = overflow || o1 || o2 || o3
        }
        guard !overflow, count == 0 || last < ref.count else {
            throw fail("\(what) of size \(Tensor.describe(size)), stride \(Tensor.describe(stride)) at offset \(offset) reaches element \(overflow ? "beyond Int.max" : String(last)), but the storage holds \(ref.count) elements",
                       fix: "the checkpoint is damaged or hostile; re-save it with torch.save", kind: .tensor)
        }
        decodedElements += count
        guard decodedElements <= limits.tensorElements else {
            throw fail("the tensors of this pickle add up to more than \(limits.tensorElements) elements, more than the storages can hold",
                       fix: "the checkpoint is damaged or hostile; re-save it with torch.save", kind: .tensor)
        }
        let values: [Double]
        if count == 0 {
            values = []
        } else {
            let data: Data
            if let cached = storageCache[ref.key] { data = cached } else {
                let declared = source.storageByteCount(ref.key) ?? 0
                let (total, overflow) = storageBytesRead.addingReportingOverflow(declared)
                guard !overflow, total <= limits.storageBytes else {
                    throw fail("the storages read so far and storage '\(ref.key)' add up to \(overflow ? "more than 2^64" : String(total)) bytes, more than the \(limits.storageBytes) this checkpoint can hold (a zip bomb, or entries that overlap?)",
                               fix: "the checkpoint is damaged or hostile; re-save it with torch.save, which stores entries uncompressed", kind: .archive)
                }
                storageBytesRead = total
                data = try source.storageBytes(ref.key)
                storageCache[ref.key] = data
            }
            values = Self.gather(data, precision: ref.precision, bigEndian: source.bigEndian, offset: offset,
                                 size: size, stride: stride, last: last, count: count)
        }
        tensors.append(Tensor(shape: size, strides: stride, storageOffset: offset, precision: ref.precision,
                              values: values, requiresGrad: requiresGrad))
        return .tensor(tensors.count - 1)
    }

    /// Decodes the elements `offset…last` of the storage once, then walks the strides in row-major order.
    static func gather(_ data: Data, precision: StoragePrecision, bigEndian: Bool, offset: Int, size: [Int], stride: [Int],
                       last: Int, count: Int) -> [Double] {
        let width = precision.byteWidth
        let span = last - offset + 1
        let window = data.withUnsafeBytes { raw in
            precision.decode(UnsafeRawBufferPointer(rebasing: raw[(offset * width)..<((last + 1) * width)]),
                             count: span, bigEndian: bigEndian)
        }
        var contiguous = true, expected = 1
        for d in stride.indices.reversed() where size[d] != 1 {
            if stride[d] != expected { contiguous = false; break }
            expected *= size[d]
        }
        if contiguous && span == count { return window }
        var out = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: size.count)
        var position = 0
        for i in 0..<count {
            out[i] = window[position]
            var d = size.count - 1
            while d >= 0 {
                index[d] += 1
                position += stride[d]
                if index[d] < size[d] { break }
                position -= stride[d] * size[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    // MARK: Reading results

    /// The items of a dict value.
    func dictItems(_ v: PickleValue) -> [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let d) = v { return dicts[d].items }
        return nil
    }

    /// The tensor a value refers to.
    func tensor(_ v: PickleValue) -> Tensor? {
        if case .tensor(let t) = v { return tensors[t] }
        return nil
    }
}

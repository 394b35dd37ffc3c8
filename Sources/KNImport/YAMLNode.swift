import Foundation
import Yams

/// A YAML node read the way PyYAML's `safe_load` reads it, with its key path and line for messages.
///
/// Plain scalars follow YAML 1.1 as PyYAML implements it: `1e-4` (no dot) is a **string**, `1.0e-06` a float,
/// `yes`/`on` are booleans, `010` is octal. Quoted scalars are strings.
struct YAMLNode {
    let node: Node
    /// The key path from the root, e.g. `network.net_struct[0].args.num_node`.
    let path: String
    /// The file, for messages.
    let file: String
    /// The line of the key this node is the value of (messages point at the key, not at the value below it).
    var keyLine: Int? = nil

    /// A scalar as PyYAML types it.
    enum Scalar: Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)

        var typeName: String {
            switch self {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a float"
            case .string: return "a string"
            }
        }
    }

    var line: Int? { keyLine ?? node.mark?.line }

    /// `line 12, network.model.name` (or just the key path when the line is unknown).
    var location: String {
        if let line { return path.isEmpty ? "line \(line)" : "line \(line), \(path)" }
        return path.isEmpty ? "top level" : path
    }

    func error(_ problem: String, fix: String? = nil) -> ImportError {
        ImportError(.config, file: file, location: location, problem: problem, fix: fix)
    }

    /// A short rendering of the node for messages.
    var shown: String {
        switch node {
        case .scalar(let s): return "'\(s.string.prefix(40))'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    // MARK: Scalars

    var scalar: Scalar? {
        guard case .scalar(let s) = node else { return nil }
        guard s.style == .plain || s.style == .any else { return .string(s.string) }
        return Self.resolvePlain(s.string)
    }

    var isNull: Bool { scalar == .null }

    static func resolvePlain(_ text: String) -> Scalar {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if let i = resolveInt(text) { return .int(i) }
        // PyYAML's float needs a dot, and its exponent a sign: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?
        if text.wholeMatch(of: #/[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?/#) != nil,
           text.contains(where: \.isNumber), let d = Double(text.replacingOccurrences(of: "_", with: "")) {
            return .float(d)
        }
        return .string(text)
    }

    private static func resolveInt(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if let c = body.first, c == "-" || c == "+" { negative = c == "-"; body = body.dropFirst() }
        guard !body.isEmpty else { return nil }
        let digits = body.replacingOccurrences(of: "_", with: "")
        let value: Int?
        if body.hasPrefix("0b"), body.dropFirst(2).allSatisfy({ "01_".contains($0) }) {
            value = Int(digits.dropFirst(2), radix: 2)
        } else if body.hasPrefix("0x"), body.dropFirst(2).allSatisfy({ $0.isHexDigit || $0 == "_" }) {
            value = Int(digits.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0"), body.count > 1, body.allSatisfy({ "01234567_".contains($0) }) {
            value = Int(digits, radix: 8)
        } else if body == "0" || (body.first.map { "123456789".contains($0) } ?? false && body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") })) {
            value = Int(digits)
        } else {
            value = nil
        }
        return value.map { negative ? -$0 : $0 }
    }

    // MARK: Typed reads (errors name the key)

    func int() throws(ImportError) -> Int {
        if case .int(let i)? = scalar { return i }
        throw error("is \(shown), expected an integer", fix: "write a whole number")
    }

    /// A Python truth value: a boolean, or 0/1.
    func bool() throws(ImportError) -> Bool {
        switch scalar {
        case .bool(let b)?: return b
        case .int(let i)? where i == 0 || i == 1: return i == 1
        default: throw error("is \(shown), expected true or false")
        }
    }

    func string() throws(ImportError) -> String {
        switch scalar {
        case .string(let s)?: return s
        default: throw error("is \(shown), expected a string")
        }
    }

    /// A number as upstream's `float(value)` reads it: a YAML number or a numeric string (`1e-4`).
    func float() throws(ImportError) -> Double {
        switch scalar {
        case .int(let i)?: return Double(i)
        case .float(let d)?: return d
        case .string(let s)?:
            let t = s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
            if let d = Double(t), !t.isEmpty { return d }
            throw error("is \(shown), which is not a number", fix: "write a number such as 1.0e-4")
        default:
            throw error("is \(shown), expected a number", fix: "write a number such as 1.0e-4")
        }
    }

    func list() throws(ImportError) -> [YAMLNode] {
        guard case .sequence(let seq) = node else {
            throw error("is \(shown), expected a list", fix: "write a YAML list, one '- value' line per entry")
        }
        return seq.enumerated().map { YAMLNode(node: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    func ints() throws(ImportError) -> [Int] {
        var out: [Int] = []
        for item in try list() { out.append(try item.int()) }
        return out
    }

    var isMapping: Bool { if case .mapping = node { return true } else { return false } }

    /// The entries of a mapping in file order; a repeated key keeps its last value (as PyYAML does).
    func mapping() throws(ImportError) -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let map) = node else { throw error("is \(shown), expected a mapping of keys") }
        var out: [(key: String, value: YAMLNode)] = []
        for (k, v) in map {
            let key = k.string ?? "\(k)"
            let child = YAMLNode(node: v, path: path.isEmpty ? key : "\(path).\(key)", file: file, keyLine: k.mark?.line)
            if let i = out.firstIndex(where: { $0.key == key }) { out[i].value = child } else { out.append((key, child)) }
        }
        return out
    }

    /// The value of `key`, or nil when absent.
    func child(_ key: String) throws(ImportError) -> YAMLNode? {
        try mapping().first { $0.key == key }?.value
    }

    /// The value of `key`, or an error naming the missing key.
    func require(_ key: String, fix: String) throws(ImportError) -> YAMLNode {
        if let c = try child(key) { return c }
        throw error("\(key) is missing", fix: fix)
    }
}

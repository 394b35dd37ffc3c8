import Foundation
import KNModel
import Yams

/// Upstream's `config.yaml`, read as the KirchhoffNet code reads it (PyYAML `safe_load`, then `float()` on the
/// simulation numbers), with upstream's defaults for every generator argument left out.
///
/// Only the parts that define the network are interpreted: `network.model`, `network.net_struct`, `network.fill`,
/// `network.residual`, `network.projector`, `network.encoder`, `simulation` and `test_bench`. Training settings
/// (`train`, `batch_size`, …) are ignored.
public struct UpstreamConfig: Hashable, Sendable {
    /// A read-out keyword of `network.projector`.
    public enum ProjectorSpec: Hashable, Sendable {
        /// `lastK`
        case last(Int)
        /// `firstK`
        case first(Int)
        /// `reshapeK`
        case reshape(Int)
        /// `mlp_A_B`: a linear layer A → B whose weights are in the checkpoint.
        case mlp(input: Int, output: Int)

        /// Parses upstream's keyword (`last10`, `mlp_50_10`, …).
        public init?(keyword: String) {
            func number(_ prefix: String) -> Int? {
                guard keyword.hasPrefix(prefix) else { return nil }
                let rest = keyword.dropFirst(prefix.count)
                guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
                return Int(rest)
            }
            if let k = number("last") { self = .last(k) }
            else if let k = number("first") { self = .first(k) }
            else if let k = number("reshape") { self = .reshape(k) }
            else if keyword.hasPrefix("mlp_") {
                let parts = keyword.dropFirst(4).split(separator: "_", omittingEmptySubsequences: false)
                guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                      let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
                self = .mlp(input: a, output: b)
            } else { return nil }
        }
    }

    /// `network.model`.
    public var family: EdgeFamily
    /// `network.net_struct`, one generator per layer.
    public var generators: [TopologyGenerator]
    /// `simulation.t_end`.
    public var anchors: [Double]
    /// `simulation` (method, tol, first_step, min_step, step_size).
    public var solver: SolverSettings
    /// `network.fill` (nil when absent).
    public var fill: Fill?
    /// `network.residual`.
    public var residual: [Int]?
    /// `network.projector`, in application order (empty for null / 'none').
    public var projectors: [ProjectorSpec]
    /// True when `network.projector` was a YAML list (its MLP weights are then under `projector.<j>.`).
    public var projectorIsList: Bool
    /// `network.encoder` widths (nil for null / 'none').
    public var encoderWidths: [Int]?
    /// `test_bench`.
    public var testBench: String?
    /// The 1-based line of each `net_struct` entry, for messages.
    public var generatorLines: [Int?]
    /// The line of `simulation.t_end`.
    public var anchorsLine: Int?

    /// Reads `config.yaml`.
    public static func read(_ url: URL) throws(ImportError) -> UpstreamConfig {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ImportError(.config, file: url.path, problem: "cannot be read as UTF-8 text (\((error as NSError).localizedDescription))",
                              fix: "check the path; pass the config.yaml saved next to model.pth")
        }
        return try parse(text, file: url.path)
    }

    /// Parses the text of a `config.yaml`; `file` names it in messages.
    public static func parse(_ text: String, file: String) throws(ImportError) -> UpstreamConfig {
        // Yams composes recursively (about 1.6 kB of stack per level): a few thousand nested brackets overflow
        // the stack. Refuse deep nesting before parsing; upstream's configs nest 7 levels at most.
        let nesting = nestingBound(text)
        guard nesting.depth <= maximumNesting else {
            throw ImportError(.config, file: file, location: "line \(nesting.line)",
                              problem: "nests more than \(maximumNesting) levels deep (lists and mappings inside each other); a KirchhoffNet config needs fewer than 10",
                              fix: "pass the config.yaml saved next to model.pth")
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ImportError(.config, file: file, location: Self.line(of: error).map { "line \($0)" },
                              problem: "is not valid YAML (\(Self.problem(of: error)))", fix: "fix the YAML syntax")
        } catch {
            throw ImportError(.config, file: file, problem: "is not valid YAML (\(error))", fix: "fix the YAML syntax")
        }
        guard let node = composed else {
            throw ImportError(.config, file: file, problem: "is empty", fix: "pass the config.yaml saved next to model.pth")
        }
        let root = YAMLNode(node: node, path: "", file: file)
        guard root.isMapping else { throw root.error("the document is \(root.shown), expected a mapping with network and simulation") }

        let network = try root.require("network", fix: "add the network section of the training config")
        let model = try network.require("model", fix: "add network.model with name (e.g. ShiftTanh2) and args")
        let family = try Self.family(model)

        let structNode = try network.require("net_struct", fix: "add network.net_struct, one topology generator per layer")
        var generators: [TopologyGenerator] = []
        var lines: [Int?] = []
        for entry in try structNode.list() {
            generators.append(try Self.generator(entry))
            lines.append(entry.line)
        }
        guard !generators.isEmpty else { throw structNode.error("is an empty list", fix: "give one generator per layer") }

        let simulation = try root.require("simulation", fix: "add the simulation section (t_end, tol, method, …)")
        let tEnd = try simulation.require("t_end", fix: "add simulation.t_end with the \(generators.count + 1) layer boundaries, e.g. [0.0, 0.5, 1.0]")
        var anchors: [Double] = []
        for item in try tEnd.list() { anchors.append(try item.float()) }
        guard anchors.count == generators.count + 1 else {
            throw tEnd.error("has \(anchors.count) values but network.net_struct has \(generators.count) layers; it needs \(generators.count + 1) (t_0 … t_\(generators.count))",
                             fix: "give one boundary more than there are layers")
        }
        func number(_ key: String) throws(ImportError) -> Double {
            let v = try simulation.require(key, fix: "add simulation.\(key) (upstream converts it with float())").float()
            guard v.isFinite, v > 0 else {
                throw try simulation.require(key, fix: "").error("is \(v); it must be a positive number", fix: "write a positive number such as 1.0e-4")
            }
            return v
        }
        let solver = SolverSettings(
            method: try simulation.require("method", fix: "add simulation.method (dopri5 in every published config)").string(),
            tolerance: try number("tol"), firstStep: try number("first_step"), minStep: try number("min_step"),
            stepSize: try number("step_size"))

        var fill: Fill?
        if let f = try network.child("fill"), !f.isNull {
            switch try f.string() {
            case "zeros", "zero": fill = .zeros
            case "repeat": fill = .repeat
            case let other: throw f.error("is '\(other)'; upstream supports zeros, zero and repeat")
            }
        }

        var residual: [Int]?
        if let r = try network.child("residual"), !r.isNull {
            let pair = try r.ints()
            guard pair.count == 2 else { throw r.error("has \(pair.count) entries; it must be [from_layer, to_layer] or null") }
            residual = pair
        }

        var projectors: [ProjectorSpec] = []
        var projectorIsList = false
        if let p = try network.child("projector"), !p.isNull {
            if case .sequence = p.node {
                projectorIsList = true
                for item in try p.list() { if let spec = try Self.projector(item, allowNone: false) { projectors.append(spec) } }
            } else if let spec = try Self.projector(p, allowNone: true) {
                projectors = [spec]
            }
        }

        var encoderWidths: [Int]?
        if let e = try network.child("encoder"), !e.isNull {
            if case .string("none")? = e.scalar {
                encoderWidths = nil
            } else {
                let widths = try e.ints()
                guard widths.count >= 2, widths.allSatisfy({ $0 >= 1 }) else {
                    throw e.error("must list at least two positive layer widths (upstream's FeedForwardNet), got \(widths)")
                }
                encoderWidths = widths
            }
        }

        var testBench: String?
        if let t = try root.child("test_bench"), !t.isNull { testBench = try t.string() }

        return UpstreamConfig(family: family, generators: generators, anchors: anchors, solver: solver, fill: fill,
                              residual: residual, projectors: projectors, projectorIsList: projectorIsList,
                              encoderWidths: encoderWidths, testBench: testBench, generatorLines: lines,
                              anchorsLine: tEnd.line)
    }

    /// The deepest nesting accepted in `config.yaml`.
    static let maximumNesting = 64

    /// An upper bound of the YAML nesting depth, and the first line that reaches it: the block levels open at each
    /// line (one per increase of indentation, one per leading `- ` or `? `) plus the open flow brackets. Brackets
    /// inside quotes or comments only raise the bound.
    static func nestingBound(_ text: String) -> (depth: Int, line: Int) {
        var flow = 0
        var indents: [Int] = []
        var deepest = (depth: 0, line: 1)
        for (n, line) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let bytes = Array(line)
            var i = 0
            while i < bytes.count, bytes[i] == 0x20 { i += 1 }
            let indent = i
            var indicators = 0
            while i < bytes.count, bytes[i] == 0x2D || bytes[i] == 0x3F, i + 1 == bytes.count || bytes[i + 1] == 0x20 {
                indicators += 1
                i += 1
                while i < bytes.count, bytes[i] == 0x20 { i += 1 }
            }
            let content = i < bytes.count && bytes[i] != 0x23 && bytes[i] != 0x0D
            if flow == 0, content || indicators > 0 {
                while let last = indents.last, last >= indent { indents.removeLast() }
                indents.append(indent)
            }
            var lineFlow = flow
            while i < bytes.count {
                switch bytes[i] {
                case 0x5B, 0x7B: flow += 1; lineFlow = max(lineFlow, flow)
                case 0x5D, 0x7D: flow = max(0, flow - 1)
                default: break
                }
                i += 1
            }
            let depth = indents.count + indicators + lineFlow
            if depth > deepest.depth { deepest = (depth, n + 1) }
        }
        return deepest
    }

    // MARK: Sections

    private static func family(_ model: YAMLNode) throws(ImportError) -> EdgeFamily {
        let nameNode = try model.require("name", fix: "name the edge family, e.g. name: ShiftTanh2")
        let name = try nameNode.string()
        var args: [(key: String, value: YAMLNode)] = []
        if let a = try model.child("args"), !a.isNull { args = try a.mapping() }
        var negation: Bool?
        var activation: String?
        var sawActivation = false
        for (key, value) in args {
            switch (name, key) {
            case ("Device", "negation"): negation = try value.bool()
            case ("Device", "activation"):
                sawActivation = true
                activation = value.isNull ? nil : try value.string()
            default:
                throw value.error("\(name) takes no argument '\(key)'" + (name == "Device" ? " (it takes negation and activation)" : ""),
                                  fix: "remove it; upstream would fail with a TypeError")
            }
        }
        if name == "Device", !sawActivation {
            throw model.error("Device needs args.activation (a torch.nn.functional name, or null for linear)")
        }
        do {
            return try EdgeFamily(upstreamName: name, negation: negation, activation: activation)
        } catch {
            throw model.error(error.description, fix: "use the network.model of the training run that wrote the checkpoint")
        }
    }

    private static func projector(_ node: YAMLNode, allowNone: Bool) throws(ImportError) -> ProjectorSpec? {
        let keyword = try node.string()
        if keyword == "none" {
            if allowNone { return nil }
            throw node.error("'none' cannot be an entry of a projector list (upstream's ModuleList rejects None)")
        }
        guard let spec = ProjectorSpec(keyword: keyword) else {
            throw node.error("'\(keyword)' is not a projector; upstream supports lastK, firstK, reshapeK, mlp_A_B and none")
        }
        return spec
    }

    private static func generator(_ entry: YAMLNode) throws(ImportError) -> TopologyGenerator {
        let name = try entry.require("name", fix: "name the generator, e.g. _fully_connect").string()
        var args: [(key: String, value: YAMLNode)] = []
        if let a = try entry.child("args"), !a.isNull { args = try a.mapping() }
        var given: [String: YAMLNode] = [:]
        let known: [String]
        switch name {
        case "_fully_connect", "_simple_connect": known = ["num_node", "include_gnd", "repeat"]
        case "_neighbor_index":
            known = ["num_channel", "width", "height", "neighbor_size", "padding", "repeat", "sharing", "parallel"]
        case "_mix_connect":
            known = ["num_channel", "width", "height", "neighbor_size", "fully_connect_node", "repeat", "padding",
                     "kernel_repeat", "sharing", "parallel"]
        case "_pregiven":
            known = ["source_edge_index", "num_node_feature", "repeat_across_layer", "repeat_within_layer", "repeat_to_gnd"]
        default:
            throw entry.error("unknown topology generator '\(name)'; upstream has _fully_connect, _simple_connect, _neighbor_index, _mix_connect and _pregiven")
        }
        for (key, value) in args {
            guard known.contains(key) else {
                throw value.error("\(name) has no argument '\(key)'; its arguments are \(known.joined(separator: ", "))",
                                  fix: "remove or rename it; upstream would fail with a TypeError")
            }
            given[key] = value
        }
        func required(_ key: String) throws(ImportError) -> YAMLNode {
            guard let v = given[key] else {
                throw entry.error("\(name) needs argument '\(key)'", fix: "add args.\(key)")
            }
            return v
        }
        func int(_ key: String, _ fallback: Int? = nil) throws(ImportError) -> Int {
            if let v = given[key] { return try v.int() }
            if let fallback { return fallback }
            return try required(key).int()
        }
        func bool(_ key: String, _ fallback: Bool) throws(ImportError) -> Bool {
            try given[key]?.bool() ?? fallback
        }
        func pair(_ key: String, _ fallback: [Int]) throws(ImportError) -> [Int] {
            try given[key]?.ints() ?? fallback
        }
        func neighbor(repeatKey: String) throws(ImportError) -> TopologyGenerator.NeighborArguments {
            .init(numChannel: try int("num_channel"), width: try int("width"), height: try int("height"),
                  neighborSize: try int("neighbor_size"), padding: try bool("padding", false),
                  kernelRepeat: try int(repeatKey, 1), sharing: try bool("sharing", false), parallel: try int("parallel", 1))
        }
        switch name {
        case "_fully_connect":
            return .fullyConnect(numNode: try int("num_node"), includeGround: try bool("include_gnd", true),
                                 repeat: try pair("repeat", [1, 1]))
        case "_simple_connect":
            return .simpleConnect(numNode: try int("num_node"), includeGround: try bool("include_gnd", true),
                                  repeat: try pair("repeat", [1, 1]))
        case "_neighbor_index":
            return .neighborIndex(try neighbor(repeatKey: "repeat"))
        case "_mix_connect":
            return .mixConnect(try neighbor(repeatKey: "kernel_repeat"), fullyConnectNode: try int("fully_connect_node"),
                               repeat: try pair("repeat", [1, 0]))
        default:
            let sei = try required("source_edge_index")
            var rows: [[Int]] = []
            for row in try sei.list() { rows.append(try row.ints()) }
            return .pregiven(sourceEdgeIndex: rows, numNodeFeature: try int("num_node_feature"),
                             repeatAcrossLayer: try int("repeat_across_layer", 1),
                             repeatWithinLayer: try int("repeat_within_layer", 1), repeatToGround: try int("repeat_to_gnd", 1))
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

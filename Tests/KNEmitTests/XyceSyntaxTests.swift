import Foundation
import KNModel
import Testing
@testable import KNEmit

/// The Xyce netlists against the written rules of flows/xyce-behavioral.md (X1–X12), each taken from the Xyce
/// Reference Guide. Xyce itself is not available here, so these are syntax checks, not simulations.
@Suite struct XyceSyntaxTests {
    static let families = FamilyCurrentTests.families

    /// Functions an expression may call (X2) and the one node accessor (X4).
    static let allowedFunctions: Set<String> = ["tanh", "exp", "ln", "abs", "min", "max", "uramp", "v"]

    func netlist(_ family: EdgeFamily, batch: Bool = false) throws -> (text: String, plans: [CircuitPlan]) {
        let ranges = [(-1.0, 1.0), (-1.0, 1.0), (-0.5, 0.5)]
        let net = try Fixtures.twoNodeNetwork(family, repeat: 1, seed: 31, ranges: ranges)
        let inputs: [[Double]] = batch ? [[0.4, -0.3], [-1.1, 0.2], [0.0, 0.9]] : [[0.4, -0.3]]
        let plans = try inputs.map { try CircuitPlan(network: net, scaling: .standard, inputs: $0) }
        let url = try Fixtures.temporaryFolder("xyce").appendingPathComponent("net.cir")
        if batch { try XyceWriter.write(batch: plans, to: url) } else { try XyceWriter.write(plans[0], to: url) }
        return (try String(contentsOf: url, encoding: .utf8), plans)
    }

    /// The identifiers followed by `(` in an expression.
    static func calledFunctions(_ expr: String) -> [String] {
        var out: [String] = []
        var word = ""
        for c in expr {
            if c.isLetter || c == "_" || (c.isNumber && !word.isEmpty) { word.append(c); continue }
            if c == "(" && !word.isEmpty { out.append(word.lowercased()) }
            word = ""
        }
        return out
    }

    static func balanced(_ s: String, _ open: Character, _ close: Character) -> Bool {
        var depth = 0
        for c in s {
            if c == open { depth += 1 }
            if c == close { depth -= 1; if depth < 0 { return false } }
        }
        return depth == 0
    }

    func checkRules(_ text: String, _ plans: [CircuitPlan], batched: Bool) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let plan = plans[0]
        let nets = plans.indices.flatMap { j in (1...plan.nodeCount).map { CircuitPlan.netName($0, sample: batched ? j : nil) } }
        // The title line, then no SPICE control language (X11).
        #expect(lines[0].hasPrefix("*") && lines[0].contains("NOT SIMULATED"))
        for banned in [".control", ".endc", "pre_osdi", "write ", "quit"] {
            #expect(!lines.contains { $0.lowercased().hasPrefix(banned) }, "X11: \(banned)")
        }
        // X1, X2, X3, X4: B-sources.
        let bsources = lines.filter { $0.hasPrefix("B") }
        #expect(bsources.count == plan.network.edgeCount * plans.count)
        for b in bsources {
            let parts = b.split(separator: " ", maxSplits: 3).map(String.init)
            #expect(parts.count == 4)
            #expect(parts[3].hasPrefix("I={") && parts[3].hasSuffix("}"), "X1: \(b)")
            let expr = String(parts[3].dropFirst(3).dropLast())
            #expect(!expr.contains("{") && !expr.contains("}"))
            #expect(Self.balanced(expr, "(", ")"), "unbalanced: \(b)")
            for f in Self.calledFunctions(expr) { #expect(Self.allowedFunctions.contains(f), "X2: \(f) in \(b)") }
            if expr.contains(">") || expr.contains("<") { #expect(expr.contains("?") && expr.contains(":"), "X3: \(b)") }
            #expect(expr.contains("V(g"), "gate missing: \(b)")
            for node in parts[1...2] { #expect(node == "n0" || nets.contains(node), "X1 node \(node)") }
        }
        // X5: gates.
        let gates = lines.filter { $0.hasPrefix("Vg") }
        #expect(gates.count == plan.network.layers.count)
        for g in gates {
            let fields = g.split(separator: " ").map(String.init)
            #expect(fields[3] == "PWL" && !g.contains("("), "X5: \(g)")
            let values = fields.dropFirst(4).compactMap(Double.init)
            #expect(values.count == fields.count - 4 && values.count % 2 == 0, "X5 pairs: \(g)")
            let times = stride(from: 0, to: values.count, by: 2).map { values[$0] }
            #expect(times.first == 0 && zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "X5 times: \(g)")
        }
        // X6: one .IC per node with the input's voltage.
        let ics = lines.filter { $0.hasPrefix(".IC ") }
        #expect(ics.count == nets.count)
        for (j, p) in plans.enumerated() {
            for n in 1...p.nodeCount {
                let want = ".IC V(\(CircuitPlan.netName(n, sample: batched ? j : nil)))=\(TextSink.format(p.scaling.volts(p.initialState[n - 1])))"
                #expect(ics.contains(want), "X6: \(want)")
            }
        }
        // X7: .TRAN initial-step final 0 ceiling, no UIC.
        let tran = lines.filter { $0.hasPrefix(".TRAN ") }
        #expect(tran.count == 1)
        let tf = tran[0].split(separator: " ").dropFirst().compactMap { Double($0) }
        #expect(tf.count == 4 && tf[1] == plan.anchorTimes.last! && tf[2] == 0 && tf[0] > 0 && tf[3] > 0, "X7: \(tran[0])")
        #expect(!tran[0].uppercased().contains("UIC") && !tran[0].uppercased().contains("NOOP"))
        // X8, X12: .PRINT TRAN FORMAT=RAW FILE=… with every node, continued on + lines.
        guard let p = lines.firstIndex(where: { $0.hasPrefix(".PRINT TRAN ") }) else { Issue.record("X8: no .PRINT TRAN"); return }
        #expect(lines[p] == ".PRINT TRAN FORMAT=RAW FILE=net.raw")
        let printed = lines[(p + 1)...].prefix { $0.hasPrefix("+ ") }.flatMap { $0.dropFirst(2).split(separator: " ").map(String.init) }
        #expect(printed == nets.map { "V(\($0))" }, "X8")
        // X9, X10: options.
        let options = lines.filter { $0.uppercased().hasPrefix(".OPTIONS") }
        #expect(options.allSatisfy { $0.hasPrefix(".OPTIONS TIMEINT ") }, "X10: \(options)")
        #expect(options.contains { $0.contains("METHOD=trap") || $0.contains("METHOD=gear") })
        #expect(options.contains { $0.contains(" RELTOL=") && $0.contains(" ABSTOL=") })
        if let bp = options.first(where: { $0.contains("BREAKPOINTS=") }) {
            let times = bp.components(separatedBy: "BREAKPOINTS=")[1].split(separator: ",").compactMap { Double($0) }
            #expect(times == Array(plan.anchorTimes.dropFirst().dropLast()), "X9: \(bp)")
        } else {
            #expect(plan.anchorTimes.count == 2, "X9: inner anchors need BREAKPOINTS")
        }
        #expect(lines.last(where: { !$0.isEmpty }) == ".END")
        // Every line is a comment, an element, a dot command, a continuation or blank.
        for l in lines where !l.isEmpty {
            #expect(["*", "V", "C", "B", ".", "+"].contains { l.hasPrefix($0) }, "unexpected line: \(l)")
        }
    }

    @Test(arguments: families)
    func everyFamilyFollowsTheXyceRules(_ family: EdgeFamily) throws {
        let (text, plans) = try netlist(family)
        checkRules(text, plans, batched: false)
    }

    @Test func batchFollowsTheXyceRules() throws {
        let (text, plans) = try netlist(.shiftTanh2, batch: true)
        checkRules(text, plans, batched: true)
        #expect(text.contains("s2_n2"))
    }

    /// The B-source currents are the ngspice ones (the same text, the dialect differs only around it).
    @Test func currentsAreTheNgspiceExpressions() throws {
        let (text, plans) = try netlist(.shiftLeakyRelu1)
        let layer = plans[0].network.layers[0]
        let e = layer.edgeCount
        func value(_ n: Int32) -> String { n == 0 ? "0" : "(V(n\(n))-1.0)/0.03" }
        let want = BehavioralExpression.current(.shiftLeakyRelu1, vs: value(layer.edges.src[0]), vd: value(layer.edges.des[0]),
                                                p0: layer.parameters.values[0], p1: layer.parameters.values[e], p2: 0, dialect: .spice)
        #expect(layer.edges.src[0] == 0)
        #expect(text.contains("B0_0 n0 n\(layer.edges.des[0]) I={1e-07*V(g0)*\(want)}"))
    }
}

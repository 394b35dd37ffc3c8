import Foundation
import KNModel
import KNTestSupport
import Testing
@testable import KNSimulate

/// Every edge listed as `fitted` with its own law: the characterized path must compute the ideal network.
private func selfCharacterized(_ net: Network) -> CharacterizedEdges {
    let layers = net.layers.enumerated().map { l, layer in
        CharacterizedLayer(index: l, edgeCount: layer.edgeCount, edges: (0..<layer.edgeCount).map { e in
            let p = layer.parameters
            let law = CommonEdgeLaw.ideal(family: net.family, p0: p[0, e], p1: p.rows > 1 ? p[1, e] : 0, p2: p.rows > 2 ? p[2, e] : 0)
            return CharacterizedEdge(edge: e, src: Int(layer.edges.src[e]), des: Int(layer.edges.des[e]), status: .fitted,
                                     law: law, points: 0, nrmse: nil, idealNrmse: nil, validationNrmse: nil)
        })
    }
    return CharacterizedEdges(family: net.family.description, networkDigest: CharacterizedEdges.digest(of: net),
                              source: "test", alpha: 1, beta: 1, layers: layers)
}

/// Random laws with every effect a cell has: separate output gains, offsets, knees, weights, bias and (when
/// `nonlinear`) compressing inputs.
private func randomLaws(_ layer: Layer, activation: Activation, seed: UInt64, knee: Bool, nonlinear: Bool = false) -> [CommonEdgeLaw] {
    var rng = SplitMix64(seed: seed)
    return (0..<layer.edgeCount).map { _ in
        var law = CommonEdgeLaw(activation: activation, knee: knee ? rng.uniform(0.05, 0.4) : 0, ws: rng.uniform(-1, 1),
                                wd: rng.uniform(-1, 1), b: rng.uniform(-0.3, 0.3), As: rng.uniform(0.8, 1.2), Ad: rng.uniform(0.8, 1.2),
                                cs: rng.uniform(-0.05, 0.05), cd: rng.uniform(-0.05, 0.05))
        if nonlinear {
            law.ws2 = rng.uniform(-0.1, 0.1); law.wd2 = rng.uniform(-0.1, 0.1)
            law.ws3 = rng.uniform(-0.05, 0.05); law.wd3 = rng.uniform(-0.05, 0.05)
        }
        return law
    }
}

private let families: [EdgeFamily] = [.shiftTanh2, .shiftTanh1, .shiftRelu1, .shiftRelu2, .shiftLeakyRelu1, .conductance,
                                      .device(negation: false, activation: .sigmoid)]
/// Families whose law has a kink: there the family loop itself rounds its current one way without the trace and
/// another way with it, and an adaptive step that lands on the kink amplifies a 1-ulp difference.
private let kinked: Set<EdgeFamily> = [.shiftRelu1, .shiftRelu2, .shiftLeakyRelu1]

@Suite("Characterized edge laws in the simulator")
struct CharacterizedEdgesTests {
    @Test(arguments: families)
    func ownLawsReproduceTheIdealSimulation(family: EdgeFamily) throws {
        let net = try Fixtures.network(family: family, numNode: 4, repeat: [2, 2], layers: 2, seed: 5)
        let edges = selfCharacterized(net)
        let input = [0.4, -0.7, 0.2]
        let logDensity = !kinked.contains(family)
        for method in [IntegrationMethod.exact, .dopri5, .stiff] {
            let ideal = try Simulator(network: net, options: SimulationOptions(method: method, logDensity: logDensity)).run(input: input)
            let characterized = try Simulator(network: net, options: SimulationOptions(method: method, logDensity: logDensity,
                                                                                       edges: .characterized(edges))).run(input: input)
            for (a, b) in zip(ideal.states, characterized.states) { #expect(maxAbsDifference(a, b) <= 1e-9, "\(method)") }
            if logDensity { #expect(maxAbsDifference(ideal.logDensity!, characterized.logDensity!) <= 1e-9, "\(method)") }
        }
    }

    @Test func unlistedEdgesFollowTheFamilyBitForBit() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, layers: 2, seed: 9)
        var edges = selfCharacterized(net)
        for l in edges.layers.indices { edges.layers[l].edges = [] }
        let options = SimulationOptions(method: .exact, logDensity: true)
        var characterizedOptions = options
        characterizedOptions.edges = .characterized(edges)
        let a = try Simulator(network: net, options: options).run(input: [0.1, 0.9, -0.5])
        let b = try Simulator(network: net, options: characterizedOptions).run(input: [0.1, 0.9, -0.5])
        #expect(a.states == b.states && a.logDensity == b.logDensity)
    }

    @Test(arguments: [(Activation.tanh, false, false), (.relu, false, false), (.relu, true, false), (.identity, false, false),
                      (.sigmoid, false, false), (.tanh, false, true), (.relu, true, true), (.sigmoid, false, true)])
    func rightHandSideMatchesPerEdgeSums(activation: Activation, knee: Bool, nonlinear: Bool) throws {
        // Edges include self-loops and ground; capacitances differ per node.
        let edges = EdgeList(src: [0, 1, 1, 2, 3, 2, 3, 0], des: [0, 1, 2, 0, 1, 3, 3, 2])
        let layer = Layer(generator: nil, edges: edges,
                          parameters: ParameterMatrix(rows: 3, columns: 8, values: [Double](repeating: 0.1, count: 24)))
        let laws = randomLaws(layer, activation: activation, seed: 17, knee: knee, nonlinear: nonlinear)
        let capacitance = [0.5, 2.0, 1.25]
        let kernel = try LayerKernel(layer: layer, family: .shiftTanh2, capacitance: capacitance, laws: laws)
        var ws = KernelWorkspace()
        let v = [0.3, -0.8, 1.1]
        func voltage(_ n: Int32) -> Double { n == 0 ? 0 : v[Int(n) - 1] }
        var expected = [0.0, 0, 0, 0]
        for e in 0..<8 {
            let c = laws[e].currents(vs: voltage(edges.src[e]), vd: voltage(edges.des[e]))
            expected[Int(edges.des[e])] += c.des
            expected[Int(edges.src[e])] -= c.src
        }
        let (dv, trace) = kernel.rightHandSideAndTrace(v, workspace: &ws)
        for n in 0..<3 { #expect(abs(dv[n] - expected[n + 1] / capacitance[n]) < 1e-14) }
        // Trace and Jacobian against central differences.
        let h = 1e-6
        var fdTrace = 0.0
        let jac = kernel.jacobian(v, workspace: &ws)
        for col in 0..<3 {
            var up = v, down = v
            up[col] += h
            down[col] -= h
            let fu = kernel.rightHandSide(up, workspace: &ws), fd = kernel.rightHandSide(down, workspace: &ws)
            for row in 0..<3 {
                let d = (fu[row] - fd[row]) / (2 * h)
                #expect(abs(jac[row, col] - d) < 1e-7, "J[\(row), \(col)] = \(jac[row, col]), finite difference \(d)")
            }
            fdTrace += (fu[col] - fd[col]) / (2 * h)
        }
        #expect(abs(trace - fdTrace) < 1e-7)
    }

    @Test func stiffAndDopri5AgreeWithExactOnCharacterizedLaws() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, layers: 2, seed: 3)
        var edges = selfCharacterized(net)
        for l in edges.layers.indices {
            let laws = randomLaws(net.layers[l], activation: .tanh, seed: UInt64(l + 1), knee: false, nonlinear: l == 1)
            for k in edges.layers[l].edges.indices { edges.layers[l].edges[k].law = laws[k] }
        }
        let input = [0.5, -0.2, 0.8]
        func run(_ m: IntegrationMethod) throws -> SimulationResult {
            try Simulator(network: net, options: SimulationOptions(method: m, logDensity: true, edges: .characterized(edges))).run(input: input)
        }
        let exact = try run(.exact), stiff = try run(.stiff)
        let ideal = try Simulator(network: net, options: SimulationOptions(method: .exact)).run(input: input)
        #expect(maxAbsDifference(exact.states.last!, stiff.states.last!) < 1e-7)
        #expect(abs(exact.logDensity!.last! - stiff.logDensity!.last!) < 1e-7)
        // The laws differ from the family's, and the simulation shows it.
        #expect(maxAbsDifference(exact.states.last!, ideal.states.last!) > 1e-3)
    }

    @Test func fileRoundTripsAndRefusesWhatItCannotUse() throws {
        let net = try Fixtures.network(family: .shiftRelu1, numNode: 3, layers: 2, seed: 2)
        var edges = selfCharacterized(net)
        edges.layers[0].edges[1].law.knee = 0.125
        edges.layers[0].edges[1].law.cd = 1e-3
        edges.layers[1].edges[0].law.wd3 = -2e-6
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kn-char-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("characterized.json")
        try edges.write(to: url)
        let back = try CharacterizedEdges.read(from: url)
        #expect(back == edges)
        try back.check(against: net)

        // Another network (one parameter changed) is refused, naming the fix.
        var other = net
        var values = other.layers[1].parameters.values
        values[0] += 0.5
        other.layers[1].parameters = ParameterMatrix(rows: other.layers[1].parameters.rows,
                                                     columns: other.layers[1].parameters.columns, values: values)
        #expect(throws: CharacterizedEdgesError.self) { try back.check(against: other, file: url.path) }
        do { try back.check(against: other, file: url.path) } catch {
            #expect(error.description.contains(url.path) && error.description.contains("--characterize-edges"), "\(error)")
        }
        #expect(throws: SimulationError.self) {
            _ = try Simulator(network: other, options: SimulationOptions(edges: .characterized(back)))
        }

        // A knee on tanh, a negative knee, unsorted edges and a wrong format are refused with their place.
        func refused(_ edit: (inout [String: Any]) -> Void, _ place: String) throws {
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            edit(&json)
            let bad = dir.appendingPathComponent("bad.json")
            try JSONSerialization.data(withJSONObject: json).write(to: bad)
            do {
                _ = try CharacterizedEdges.read(from: bad)
                Issue.record("accepted a file with a bad \(place)")
            } catch {
                #expect(error.description.contains(bad.path) && error.description.contains(place), "\(error)")
            }
        }
        func editEdge(_ k: Int, _ body: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
            { json in
                var layers = json["layers"] as! [[String: Any]]
                var list = layers[0]["edges"] as! [[String: Any]]
                body(&list[k])
                layers[0]["edges"] = list
                json["layers"] = layers
            }
        }
        try refused(editEdge(1) { e in var l = e["law"] as! [String: Any]; l["knee"] = -1.0; e["law"] = l }, ".layers[0].edges[1].law")
        try refused(editEdge(2) { e in var l = e["law"] as! [String: Any]; l["activation"] = "tanh"; l["knee"] = 0.5; e["law"] = l }, ".layers[0].edges[2].law")
        try refused(editEdge(2) { e in e["edge"] = 0 }, ".layers[0].edges[2].edge")
        try refused({ json in json["format"] = "kn-characterized-edges-0" }, ".format")
        try refused({ json in json.removeValue(forKey: "networkDigest") }, "networkDigest")
    }

    /// Static cell capacitances on the diagonal only make every node's capacitance 1 + Σ of its cells': the same
    /// trajectory as the simulator's own node capacitances, for every method.
    @Test func staticCellCapacitancesActAsNodeCapacitors() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [2, 2], layers: 2, block: .plain, seed: 3)
        var edges = selfCharacterized(net)
        var rng = SplitMix64(seed: 17)
        var loads = net.layers.map { [Double](repeating: 0, count: $0.nodeCount) }
        for l in edges.layers.indices {
            for k in edges.layers[l].edges.indices {
                let e = edges.layers[l].edges[k]
                let cs = rng.uniform(0, 0.08), cd = rng.uniform(0, 0.08)
                edges.layers[l].edges[k].dynamics = CellDynamics(staticPart: [cs, 0, 0, cd], lag: [0, 0, 0, 0], points: 1, rms: 0)
                if e.src != 0 { loads[l][e.src - 1] += cs }
                if e.des != 0 { loads[l][e.des - 1] += cd }
            }
        }
        let input = [0.4, -0.7, 0.2]
        for method in [IntegrationMethod.exact, .dopri5, .stiff] {
            let loaded = try Simulator(network: net, options: SimulationOptions(method: method, edges: .characterized(edges))).run(input: input)
            let capacitors = try Simulator(network: net, options: SimulationOptions(method: method, capacitances: loads.map { $0.map { 1 + $0 } },
                                                                                  edges: .characterized(selfCharacterized(net)))).run(input: input)
            let bare = try Simulator(network: net, options: SimulationOptions(method: method, edges: .characterized(edges),
                                                                             cellCapacitances: false)).run(input: input)
            let ideal = try Simulator(network: net, options: SimulationOptions(method: method)).run(input: input)
            #expect(maxAbsDifference(loaded.states.last!, capacitors.states.last!) <= 1e-7, "\(method)")
            #expect(maxAbsDifference(bare.states.last!, ideal.states.last!) <= 1e-9, "\(method)")
            #expect(maxAbsDifference(loaded.states.last!, ideal.states.last!) > 1e-3, "\(method)")
        }
    }

    /// With cross terms, lags and a self-loop, the right-hand side is the solution of `(I + Σ m(v))·dv/dt = F`,
    /// each cell's m built from its law's conductances.
    @Test func cellCapacitancesSolveTheLoadedSystem() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [2, 2], layers: 1, block: .plain, seed: 8)
        var layer = net.layers[0]
        layer.edges = EdgeList(src: layer.edges.src + [2], des: layer.edges.des + [2])
        let old = net.layers[0].parameters
        layer.parameters = ParameterMatrix(rows: 3, columns: old.columns + 1, values: (0..<3).flatMap { r in
            (0...old.columns).map { c in c < old.columns ? old[r, c] : 0.3 }
        })
        var rng = SplitMix64(seed: 4)
        let laws = randomLaws(layer, activation: .tanh, seed: 6, knee: false, nonlinear: true)
        let dynamics: [CellDynamics?] = (0..<layer.edgeCount).map { e in
            e % 3 == 2 ? nil : CellDynamics(staticPart: (0..<4).map { _ in rng.uniform(-0.02, 0.06) },
                                            lag: (0..<4).map { _ in rng.uniform(-0.05, 0.01) }, points: 8, rms: 0)
        }
        let kernel = try LayerKernel(layer: layer, family: .shiftTanh2, laws: laws, dynamics: dynamics)
        let plain = try LayerKernel(layer: layer, family: .shiftTanh2, laws: laws)
        let v = [0.7, -1.1, 0.3]
        var workspace = KernelWorkspace()
        let f = kernel.rightHandSide(v, workspace: &workspace), F = plain.rightHandSide(v, workspace: &workspace)
        let n = layer.nodeCount
        var m = (0..<n).map { r in (0..<n).map { $0 == r ? 1.0 : 0 } }
        for e in 0..<layer.edgeCount {
            guard let d = dynamics[e] else { continue }
            let nodes = [Int(layer.edges.src[e]), Int(layer.edges.des[e])]
            let g = laws[e].terminalConductances(vs: nodes[0] == 0 ? 0 : v[nodes[0] - 1], vd: nodes[1] == 0 ? 0 : v[nodes[1] - 1])
            for x in 0..<2 where nodes[x] != 0 {
                for y in 0..<2 where nodes[y] != 0 { m[nodes[x] - 1][nodes[y] - 1] += d.staticPart[2 * x + y] + d.lag[2 * x + y] * g[2 * x + y] }
            }
        }
        let residual = (0..<n).map { r in (0..<n).reduce(0) { $0 + m[r][$1] * f[$1] } - F[r] }
        #expect(residual.allSatisfy { abs($0) < 1e-12 }, "\(residual)")
        #expect(maxAbsDifference(f, F) > 1e-3)
        #expect(throws: SimulationError.self) {
            _ = try LayerKernel(layer: layer, family: .shiftTanh2, laws: laws, dynamics: [nil])
        }
    }
}

import Foundation
import KNModel
import KNProcess
import KNSimulate

/// Measures mapped cells in ngspice (``FidelityRunner/measure(_:network:samples:picks:)``: DC sweeps on the foundry
/// models at each edge's operating points, both the current leaving src and the current entering des) and fits
/// each with ``EdgeLawFitter``, giving the ``KNSimulate/CharacterizedEdges`` the simulator runs with
/// `--edges characterized`.
///
/// ```swift
/// let characterizer = EdgeCharacterizer(runner: FidelityRunner(mapper: mapper, root: root, ngspice: try Ngspice.locate()))
/// let edges = try characterizer.characterize(circuit, network: net, samples: samples,
///                                            picks: FidelityRunner.sample(circuit, count: .max))
/// try edges.write(to: folder.appendingPathComponent("characterized.json"))
/// ```
public struct EdgeCharacterizer: Sendable {
    public var runner: FidelityRunner
    public var fitter = EdgeLawFitter()
    /// Operating points measured per edge (more than the fidelity check's, for two-fold cross-validation of a
    /// seven-parameter law).
    public var pointsPerEdge = 40

    public init(runner: FidelityRunner) {
        self.runner = runner
    }

    /// Measures the picked cells of `circuit` in `processes` concurrent ngspice processes and fits every one.
    /// - Parameter dynamicsPoints: also measure each cell's capacitances (``KNSimulate/CellDynamics``) at this
    ///   many of its operating points (an AC analysis each), or nil for the currents alone.
    public func characterize(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples,
                             picks: [FidelityRunner.Pick], dynamicsPoints: Int? = nil,
                             processes: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> CharacterizedEdges {
        var measuring = runner
        measuring.pointsPerEdge = pointsPerEdge
        let measured = try measuring.measureInParallel(circuit, network: network, samples: samples, picks: picks,
                                                       processes: processes)
        var source = "ngspice steady-state sweeps of the mapped cells on the \(circuit.process) models (corner \(circuit.corner)), up to \(pointsPerEdge) operating points per edge from \(samples.inputCount) sample inputs"
        var edges = fit(measured, network: network, scaling: circuit.scaling, source: source)
        if let dynamicsPoints {
            let admittances = try measuring.measureAdmittances(circuit, network: network, samples: samples, picks: picks,
                                                               points: dynamicsPoints, processes: processes)
            source += "; capacitances from ngspice AC analyses at up to \(dynamicsPoints) of those points per edge"
            edges.source = source
            attach(admittances, to: &edges, circuit: circuit, picks: picks)
        }
        return edges
    }

    /// Fits each measured admittance into its edge's ``KNSimulate/CellDynamics`` (against the edge's law in
    /// `edges`).
    func attach(_ admittances: [CellAdmittance], to edges: inout CharacterizedEdges, circuit: MappedCircuit,
                picks: [FidelityRunner.Pick]) {
        let kind = circuit.cellKinds[0]
        for (a, pick) in zip(admittances, picks) {
            guard let k = edges.layers[a.layer].edges.firstIndex(where: { $0.edge == a.edge }) else { continue }
            let gates = CellLoading.terminalGateCapacitance(row: pick.row, of: circuit.layers[pick.layer].cells, kind: kind,
                                                            catalog: runner.mapper.catalog)
            edges.layers[a.layer].edges[k].dynamics = Self.dynamics(a, law: edges.layers[a.layer].edges[k].law,
                                                                    scaling: circuit.scaling, gates: gates)
        }
    }

    /// A cell's measured capacitances as ``KNSimulate/CellDynamics``: per entry, `static + lag·g(v)` fitted by
    /// least squares over the points (g from `law`), in units of the node capacitance (`C_xy·α_y / (C·α)`), with
    /// the mapper's estimate of the cell's own gates (`gates`, farads, already in the node capacitance) taken off
    /// the diagonal. A cell whose conductance hardly varies over its points gets its mean as the static part and
    /// no lag. Nil when the measurement failed.
    static func dynamics(_ a: CellAdmittance, law: CommonEdgeLaw, scaling s: Scaling,
                         gates: (src: Double, des: Double)) -> CellDynamics? {
        guard a.failure == nil, !a.capacitance.isEmpty, a.capacitance.count == a.vs.count else { return nil }
        let unit = s.capacitance * s.alpha
        let nodes = [a.src, a.des]
        let conductances = zip(a.vs, a.vd).map { law.terminalConductances(vs: $0, vd: $1) }
        var staticPart = [Double](repeating: 0, count: 4), lag = staticPart
        var squared = 0.0
        for x in 0..<2 {
            for y in 0..<2 {
                let k = 2 * x + y
                let scale = s.alpha(layer: a.layer, node: nodes[y]) / unit
                let own = x == y ? (x == 0 ? gates.src : gates.des) * scale : 0
                let m = a.capacitance.map { $0[k] * scale - own }
                let g = conductances.map { $0[k] }
                let n = Double(m.count)
                let gMean = g.reduce(0, +) / n, mMean = m.reduce(0, +) / n
                var sgg = 0.0, sgm = 0.0, sg2 = 0.0
                for (gi, mi) in zip(g, m) {
                    sgg += (gi - gMean) * (gi - gMean)
                    sgm += (gi - gMean) * (mi - mMean)
                    sg2 += gi * gi
                }
                let slope = sgg > 1e-12 * max(sg2, .leastNormalMagnitude) ? sgm / sgg : 0
                lag[k] = slope
                staticPart[k] = mMean - slope * gMean
                for (gi, mi) in zip(g, m) { squared += pow(staticPart[k] + slope * gi - mi, 2) }
            }
        }
        return CellDynamics(staticPart: staticPart, lag: lag, points: a.vs.count,
                            rms: (squared / Double(4 * a.vs.count)).squareRoot())
    }

    /// Fits measurements (one per edge, each with both currents) into characterized edges.
    public func fit(_ measured: [EdgeFidelity], network: Network, scaling: Scaling, source: String) -> CharacterizedEdges {
        var perLayer = network.layers.map { _ in [CharacterizedEdge]() }
        for m in measured {
            perLayer[m.layer].append(fit(m, network: network))
        }
        let layers = network.layers.indices.map { l in
            CharacterizedLayer(index: l, edgeCount: network.layers[l].edgeCount,
                               edges: perLayer[l].sorted { $0.edge < $1.edge })
        }
        return CharacterizedEdges(family: network.family.description, networkDigest: CharacterizedEdges.digest(of: network),
                                  source: source, alpha: scaling.alpha, beta: scaling.beta, layers: layers)
    }

    /// One edge: the fitted law, or the edge's own law with the reason when the measurement cannot be fitted.
    func fit(_ m: EdgeFidelity, network: Network) -> CharacterizedEdge {
        let p = network.edgeParameters(layer: m.layer, edge: m.edge)
        let ideal = CommonEdgeLaw.ideal(family: network.family, p0: p.p0, p1: p.p1, p2: p.p2)
        func fallback(_ note: String) -> CharacterizedEdge {
            CharacterizedEdge(edge: m.edge, src: m.src, des: m.des, status: .ideal, note: note, law: ideal, points: m.vs.count,
                              nrmse: nil, idealNrmse: nil, validationNrmse: nil)
        }
        guard let src = m.simulatedSrc, src.count == m.vs.count, m.simulated.count == m.vs.count else {
            return fallback("the measurement has no current leaving src")
        }
        guard m.vs.count >= 4 else { return fallback("only \(m.vs.count) operating points; at least 4 are needed") }
        guard (m.simulated + src).allSatisfy(\.isFinite) else { return fallback("the measured currents are not all finite") }
        let result = fitter.fit(vs: m.vs, vd: m.vd, desCurrent: m.simulated, srcCurrent: src, ideal: ideal)
        guard result.rms <= result.idealRms else {
            return fallback("the fit (RMS \(result.rms)) is worse than the edge's own law (RMS \(result.idealRms))")
        }
        return CharacterizedEdge(edge: m.edge, src: m.src, des: m.des, status: .fitted, law: result.law, points: result.points,
                                 nrmse: result.nrmse, idealNrmse: result.idealNrmse, validationNrmse: result.validationNrmse)
    }
}

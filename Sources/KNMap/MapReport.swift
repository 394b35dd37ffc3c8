import Foundation
import KNModel

/// What `kn-map map` reports: the scaling and what it implies (τ, forward time, noise, SNR per node, nodes
/// that would hit a rail and what clipping does to the outputs), the ideal elements, the unrealisable
/// parameters, and the cell fidelity measured with ngspice.
public struct MapReport: Codable, Sendable {
    public var format = "kn-map-report-1"
    public var process: String
    public var corner: String
    public var family: String
    public var scaling: Scaling
    public var tau: Double
    /// (t_L − t_0)·τ, seconds.
    public var forwardSeconds: Double
    /// sqrt(kT/C), volts, and in model units.
    public var noiseVolts: Double
    public var noiseModelUnits: Double
    /// Per node (1...N): RMS over the samples / noise, in dB.
    public var snrPerNode: [Double]
    public var railNodes: [RailNode]
    public var clipping: ClippingCheck?
    public var cells: Int
    public var fingers: Int
    /// Edges with no unrealisable parameter.
    public var realizableEdges: Int
    /// Transistor gate area and node-capacitor area, µm², and the static power, watts.
    public var gateAreaUm2: Double
    public var capacitorAreaUm2: Double
    public var staticPowerWatts: Double
    /// Seconds per model time unit in each layer.
    public var layerTau: [Double]
    /// Per layer: the slowest cell's settling estimate, seconds (empty for circuits mapped without it).
    public var layerSettling: [Double] = []
    /// Per node: the cells' gate capacitance and the node's whole capacitance in layer 0, farads.
    public var nodeCellCapacitance: [Double] = []
    public var nodeCapacitance: [Double] = []
    public var idealElements: [IdealElement]
    /// Number of issues and the first 1000 of them.
    public var issueCount: Int
    public var issues: [MappingIssue]
    public var fidelity: FidelityReport?
    /// The σ(ΔI/I) per device the current mirrors were sized for (``MapOptions/mirrorMismatch``), nil: off.
    public var mirrorMismatch: Double? = nil
    /// The characterized edges' fit quality (`characterized.json` holds the laws), when characterized.
    public var characterization: CharacterizationSummary? = nil
    /// Wall times, seconds: `simulate` (operating samples), `map`, `fidelity`, `characterize`.
    public var timings: [String: Double]

    public struct RailNode: Codable, Sendable, Hashable {
        public var layer: Int
        public var node: Int
        /// Largest |v| in the samples, model units, and the window limit swing/α.
        public var magnitude: Double
        public var limit: Double
    }

    public struct FidelityReport: Codable, Sendable {
        /// Before and after the calibration pass.
        public var before: FidelitySummary
        public var after: FidelitySummary
        /// After the calibration, over the sampled edges that no ``MappingIssue`` names: what the cells the mapper
        /// calls realizable do. The edges it lists are in ``after``, with the limit each breaks in the issues.
        public var realizable: FidelitySummary?
        public var edges: [EdgeFidelity]

        public init(before: FidelitySummary, after: FidelitySummary, realizable: FidelitySummary? = nil, edges: [EdgeFidelity]) {
            self.before = before
            self.after = after
            self.realizable = realizable
            self.edges = edges
        }

        /// The report of calibrated results in `circuit`: ``realizable`` leaves out the edges its issues name.
        public init(before: [EdgeFidelity], after: [EdgeFidelity], circuit: MappedCircuit) {
            let unrealizable = circuit.unrealizable
            self.init(before: FidelitySummary(before), after: FidelitySummary(after),
                      realizable: FidelitySummary(after.filter { !unrealizable.contains($0.address) }), edges: after)
        }
    }

    public init(circuit: MappedCircuit, network: Network, samples: OperatingSamples, clipping: ClippingCheck?,
                fidelity: FidelityReport?, timings: [String: Double]) {
        let s = circuit.scaling
        process = circuit.process
        corner = circuit.corner
        family = circuit.family
        scaling = s
        tau = s.tau
        forwardSeconds = circuit.layers.last?.endSeconds ?? 0
        let kT = 1.380649e-23 * 300.15
        noiseVolts = (kT / s.capacitance).squareRoot()
        noiseModelUnits = noiseVolts / s.alpha
        let nodeCount = network.layers.map(\.nodeCount).max() ?? 0
        // kT/C of node n in model units, at its noisiest layer (C·α is the same everywhere, so the smallest α).
        let nodeNoise = (0..<nodeCount).map { i in
            network.layers.indices.map { k in (kT / s.capacitance(layer: k, node: i + 1)).squareRoot() / s.alpha(layer: k, node: i + 1) }.max() ?? 0
        }
        var sum = Array(repeating: 0.0, count: nodeCount), count = Array(repeating: 0, count: nodeCount)
        var rails: [RailNode] = []
        for (l, states) in samples.states.enumerated() {
            var peak = Array(repeating: 0.0, count: nodeCount)
            for state in states {
                for (i, v) in state.enumerated() where i < nodeCount {
                    sum[i] += v * v; count[i] += 1; peak[i] = max(peak[i], abs(v))
                }
            }
            for (i, p) in peak.enumerated() where p > s.modelLimit(layer: l, node: i + 1) {
                rails.append(RailNode(layer: l, node: i + 1, magnitude: p, limit: s.modelLimit(layer: l, node: i + 1)))
            }
        }
        snrPerNode = (0..<nodeCount).map { i in
            let rms = count[i] > 0 ? (sum[i] / Double(count[i])).squareRoot() : 0
            return rms > 0 ? 20 * log10(rms / nodeNoise[i]) : -.infinity
        }
        railNodes = rails
        self.clipping = clipping
        cells = circuit.layers.reduce(0) { $0 + $1.cells.count }
        fingers = circuit.fingerCount
        realizableEdges = circuit.realizableEdges
        gateAreaUm2 = circuit.gateAreaUm2
        capacitorAreaUm2 = circuit.capacitorAreaUm2
        staticPowerWatts = circuit.staticPower
        layerTau = network.layers.indices.map { s.tau(layer: $0) }
        layerSettling = circuit.layers.compactMap(\.settlingSeconds)
        nodeCellCapacitance = circuit.nodeCapacitors.compactMap(\.cellCapacitance)
        nodeCapacitance = nodeCellCapacitance.isEmpty ? [] : circuit.nodeCapacitors.map { $0.nodeCapacitance(layer: 0) }
        idealElements = circuit.idealElements
        issueCount = circuit.issues.count
        issues = Array(circuit.issues.prefix(1000))
        self.fidelity = fidelity
        self.timings = timings
    }

    /// A few lines for people.
    public var summary: String {
        func e(_ x: Double) -> String { String(format: "%.3g", x) }
        func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.2f %%", 100 * x) : "n/a" }
        var lines = ["kn-map map: \(family) on \(process) (\(corner))"]
        let betas = (scaling.layerBeta ?? [scaling.beta]).map { e($0) }.joined(separator: ", ")
        lines.append("  scaling: alpha \(e(scaling.alpha)) V/unit, beta \(betas) A/unit, C \(e(scaling.capacitance)) F at that alpha, "
                     + "V_CM \(e(scaling.vcm)) V ± \(e(scaling.swing)) V, VDD \(e(scaling.vdd)) V")
        let scales = scaling.nodeAlpha.map { t -> String in
            let all = t.joined()
            return " (per layer and node: \(e(all.min() ?? 0))…\(e(all.max() ?? 0)) V/unit)"
        } ?? ""
        lines.append("  alpha\(scales.isEmpty ? " one for every node" : scales); tau per layer "
                     + layerTau.map { "\(e($0)) s" }.joined(separator: ", ") + " per model time unit; forward pass \(e(forwardSeconds)) s")
        if !layerSettling.isEmpty {
            lines.append("  cell settling estimate per layer " + layerSettling.map { "\(e($0)) s" }.joined(separator: ", ")
                         + "; tau/settling at least " + e(zip(layerTau, layerSettling).map { $1 > 0 ? $0 / $1 : .infinity }.min() ?? .nan))
        }
        if let worst = zip(nodeCellCapacitance, nodeCapacitance).max(by: { $0.0 / $0.1 < $1.0 / $1.1 }) {
            let sorted = nodeCellCapacitance.sorted()
            lines.append("  cells' gate load per node: median \(e(sorted[sorted.count / 2])) F, largest \(e(sorted.last ?? 0)) F; "
                         + "largest share of a node's C \(String(format: "%.1f %%", 100 * worst.0 / worst.1))")
        }
        let finite = snrPerNode.filter(\.isFinite).sorted()
        let median = finite.isEmpty ? Double.nan : finite[finite.count / 2]
        lines.append("  kT/C noise \(e(noiseVolts)) V = \(e(noiseModelUnits)) units; SNR per node: min \(e(finite.first ?? .nan)) dB, median \(e(median)) dB")
        lines.append("  nodes that would hit a rail: \(railNodes.count)" + (railNodes.isEmpty ? "" : " (first: layer \(railNodes[0].layer) node \(railNodes[0].node), |v| \(e(railNodes[0].magnitude)) > \(e(railNodes[0].limit)))"))
        if let c = clipping {
            lines.append("  clamped model: outputs move by up to \(e(c.maxOutputChange)) units (\(c.samples) samples, argmax agreement \(c.argmaxAgreement))")
        }
        lines.append("  current mirrors sized for " + (mirrorMismatch.map { "σ(ΔI/I) ≤ \(e(100 * $0)) % per device from A_VT at weak inversion" } ?? "their currents only (--mirror-mismatch off)"))
        lines.append("  cells \(cells), fingers \(fingers); ideal elements: " + idealElements.map { "\($0.name)×\($0.count)" }.joined(separator: ", "))
        lines.append("  realizable edges: \(realizableEdges) of \(cells); gate area \(e(gateAreaUm2 * 1e-6)) mm², node capacitors \(e(capacitorAreaUm2 * 1e-6)) mm², static power \(e(staticPowerWatts)) W")
        lines.append("  unrealisable parameters: \(issueCount)" + (issues.first.map { " (first: \($0))" } ?? ""))
        if let f = fidelity {
            lines.append("  fidelity (ngspice steady state on the \(process) models, \(f.after.edges) sampled edges, \(f.after.inactive) inactive):")
            lines.append("    NRMSE before calibration: median \(pct(f.before.median)), p95 \(pct(f.before.p95)), worst \(pct(f.before.worst))")
            lines.append("    NRMSE after calibration:  median \(pct(f.after.median)), p95 \(pct(f.after.p95)), worst \(pct(f.after.worst)) (\(f.after.worstEdge))")
            if let r = f.realizable, r.edges < f.after.edges {
                lines.append("    the \(r.edges - r.inactive) active realizable edges alone: median \(pct(r.median)), p95 \(pct(r.p95)), "
                             + "worst \(pct(r.worst)) (\(r.worstEdge)); the other \(f.after.edges - r.edges) are listed as unrealisable")
            }
        }
        if let c = characterization { lines += c.summaryLines }
        lines.append("  timings: " + timings.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

/// What clamping the node voltages to the window does to the network's outputs.
public struct ClippingCheck: Codable, Sendable {
    public var samples: Int
    /// Largest |output(clamped) − output(free)|, model units.
    public var maxOutputChange: Double
    /// Fraction of samples whose argmax output is unchanged.
    public var argmaxAgreement: Double
}

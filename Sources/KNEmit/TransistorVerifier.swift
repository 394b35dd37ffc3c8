import Foundation
import KNMap
import KNModel
import KNProcess
import KNSimulate

/// Runs a mapped circuit at transistor level in ngspice, one netlist per input sample, and compares the node
/// values at every anchor with the model integrated exactly (flow `ngspice-transistor`).
public enum TransistorVerifier {
    /// The `.spiceinit` lines of a run on foundry models (DESIGN.md §4): one thread, HSPICE compatibility,
    /// no model-parameter checks.
    public static let spiceinit = ["set num_threads=1", "set ngbehavior=hsa", "set ng_nomodcheck"]

    /// Why the behavioral verifier refuses the transistor flow.
    static let behavioralRefusal = "simulates a mapped circuit, not the behavioral netlist; use TransistorVerifier (`kn-map verify MODEL --flow ngspice-transistor --pdk NAME --inputs FILE`)"

    /// Simulates every sample of `inputs` in its own netlist `folder/<name>-<j>.cir` (at most `processes` ngspice
    /// runs at once, default one per core) and compares each with `Simulator` `.exact`, and, given
    /// `characterized` laws, with `.exact` on those laws too (what the cells were measured to compute).
    ///
    /// - Parameters:
    ///   - circuit: the mapped circuit of `network` (``checkMatch(_:_:)`` is applied).
    ///   - target: the network the circuit must reproduce, when it is not `network` itself: for a network retrained
    ///     against its cells (`kn-map retrain --characterized`), the original it was retrained from. It must have
    ///     `network`'s anchors and node counts. The verdict against it judges the outputs only (the retraining
    ///     matched the read-out, not the states between anchors); all anchors are still reported.
    ///   - tolerance: the largest allowed RMS difference at any anchor, model units.
    ///   - characterized: the laws `kn-map map --characterize-edges` fitted to the cells, and the largest allowed
    ///     RMS difference against them.
    ///   - runner: the ngspice runner (binary, timeout); its `.spiceinit` is replaced by ``spiceinit``.
    ///   - progress: called after each sample with a one-line summary (from a worker thread).
    /// - Throws: ``EmitError`` for an inconsistent circuit or input, ``FlowError`` when ngspice is missing,
    ///   times out, does not converge or crashes (naming the netlist, with the last log lines and a fix),
    ///   `SimulationError` when the model simulation fails, ``RawfileError``/``VerificationError`` when the
    ///   results cannot be read.
    public static func verify(circuit: MappedCircuit, network: Network, process: ProcessDescription, root: PDKRoot,
                              target: Network? = nil,
                              inputs: [[Double]], folder: URL, name: String = "transistor", tolerance: Double = 0.05,
                              characterized: (laws: CharacterizedEdges, tolerance: Double)? = nil,
                              options: TransistorNetlistOptions = TransistorNetlistOptions(),
                              runner: NgspiceRunner = NgspiceRunner(timeout: 7200), processes: Int? = nil,
                              progress: (@Sendable (String) -> Void)? = nil) throws -> TransistorVerification {
        guard !inputs.isEmpty else { throw EmitError.invalid("inputs", "holds no sample; give at least one input") }
        guard tolerance.isFinite, tolerance > 0 else { throw EmitError.invalid("tolerance", "must be finite and positive, got \(tolerance)") }
        if let processes, processes < 1 { throw EmitError.invalid("processes", "must be at least 1, got \(processes)") }
        try checkMatch(circuit, network)
        if let target, target.anchors != network.anchors || target.layers.map(\.nodeCount) != network.layers.map(\.nodeCount) {
            throw EmitError.invalid("target", "has anchors \(target.anchors) and \(target.layers.map(\.nodeCount)) nodes per layer, the mapped network \(network.anchors) and \(network.layers.map(\.nodeCount)); give the network the mapped one was retrained from")
        }
        try process.verifyInstalled(in: root)
        var foundryRunner = runner
        foundryRunner.spiceinit = spiceinit
        let runner = foundryRunner
        _ = try runner.resolveExecutable()

        let start = Date()
        let simulator = try Simulator(network: target ?? network, options: SimulationOptions(method: .exact))
        let expected = try simulator.run(batch: inputs).map(\.states)
        let characterizedStates = try characterized.map { characterized -> [[[Double]]] in
            guard characterized.tolerance.isFinite, characterized.tolerance > 0 else {
                throw EmitError.invalid("characterized tolerance", "must be finite and positive, got \(characterized.tolerance)")
            }
            let fitted = try Simulator(network: network, options: SimulationOptions(method: .exact, edges: .characterized(characterized.laws)))
            return try fitted.run(batch: inputs).map(\.states)
        }
        let modelSeconds = Date().timeIntervalSince(start)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let width = String(inputs.count - 1).count
        let urls = inputs.indices.map { j in
            folder.appendingPathComponent("\(name)-" + String(repeating: "0", count: width - String(j).count) + "\(j).cir")
        }
        func naming(sample j: Int, _ error: any Error) -> any Error {
            if case let EmitError.invalid(place, problem) = error, place.hasPrefix("inputs") { return EmitError.invalid("sample \(j) \(place)", problem) }
            return error
        }
        // Check every input first, so that an inconsistent one fails before any simulator runs.
        for (j, x) in inputs.enumerated() {
            do { _ = try TransistorCircuitPlan(circuit, process: process, inputs: x) } catch { throw naming(sample: j, error) }
        }
        var options = options
        // The model files are read once for every netlist of the run.
        let cards = TransistorModelCards(process: process, corner: try process.corner(named: circuit.corner), root: root,
                                         mismatch: options.mismatchSeed != nil, preferPrebinned: options.prebinned)
        options.start = try OperatingPointStart.resolve(options.start, for: circuit) {
            try CellNodesets.measure(circuit: circuit, process: process, root: root, folder: folder, runner: runner,
                                     cards: cards.mismatch ? nil : cards)
        }
        var written: [TransistorNetlist] = []
        for (j, x) in inputs.enumerated() {
            do {
                written.append(try TransistorNetlistWriter.write(circuit, process: process, root: root, inputs: x, to: urls[j], options: options,
                                                                  cards: cards))
            } catch {
                throw naming(sample: j, error)
            }
        }
        let netlists = written
        let gate = DispatchSemaphore(value: max(1, processes ?? ProcessInfo.processInfo.activeProcessorCount))
        let results = ResultSlots<TransistorSampleResult, any Error>(count: inputs.count)
        let simStart = Date()
        DispatchQueue.concurrentPerform(iterations: inputs.count) { j in
            gate.wait()
            defer { gate.signal() }
            let result = Result { () throws -> TransistorSampleResult in
                let netlist = netlists[j]
                let (run, plot) = try NgspiceFlow.transient(netlist: netlist.url, rawfile: netlist.rawfile) { try runner.run($0) }
                let measured = try TransistorReadback.anchorValues(plot, netlist: netlist, scaling: circuit.scaling, path: netlist.rawfile.path)
                let compared = try compare(measured: measured, expected: expected[j])
                var sample = TransistorSampleResult(sample: j, netlist: netlist, run: run, measured: measured, expected: compared)
                sample.characterized = try characterizedStates.map { try compare(measured: measured, expected: $0[j]) }
                return sample
            }
            if let progress {
                switch result {
                case let .success(r):
                    progress("sample \(j): \(String(format: "%.1f", r.run.seconds)) s, rms per anchor " + r.rmsPerAnchor.map { String(format: "%.3e", $0) }.joined(separator: " ")
                             + ", max " + r.maxPerAnchor.map { String(format: "%.3e", $0) }.joined(separator: " "))
                case let .failure(error):
                    progress("sample \(j): failed: \(error)")
                }
            }
            results.set(j, result)
        }
        let simulatorSeconds = Date().timeIntervalSince(simStart)
        var samples: [TransistorSampleResult] = []
        for r in results.take() { samples.append(try r!.get()) }
        var verification = TransistorVerification(process: circuit.process, corner: circuit.corner, scaling: circuit.scaling, samples: samples,
                                                  tolerance: tolerance, simulatorSeconds: simulatorSeconds, modelSeconds: modelSeconds)
        verification.characterizedTolerance = characterized?.tolerance
        verification.outputsOnly = target != nil
        return verification
    }

    /// The expected values cut to the nodes present in the circuit's state at each anchor.
    static func compare(measured: [[Double]], expected: [[Double]]) throws(VerificationError) -> [[Double]] {
        guard measured.count == expected.count else {
            throw .mismatch("\(expected.count) anchors expected, \(measured.count) simulated")
        }
        for k in expected.indices where expected[k].count > measured[k].count {
            throw .mismatch("anchor \(k) has \(expected[k].count) expected values but the circuit's state there has \(measured[k].count) nodes")
        }
        return expected
    }

    /// Checks that `circuit` was mapped from `network`: the same family, layers, node counts, and edges
    /// (src and des of every cell).
    public static func checkMatch(_ circuit: MappedCircuit, _ network: Network) throws(EmitError) {
        let fix = "map this model with `kn-map map MODEL --pdk \(circuit.process) -o DIR` and pass DIR/circuit.json, or leave --circuit out"
        guard circuit.family == network.family.description else {
            throw .invalid("circuit.family", "is \(circuit.family) but the model's family is \(network.family.description); \(fix)")
        }
        guard circuit.layers.count == network.layers.count else {
            throw .invalid("circuit.layers", "has \(circuit.layers.count) layers but the model has \(network.layers.count); \(fix)")
        }
        let cellCounts = network.cellCounts
        for (l, (mapped, layer)) in zip(circuit.layers, network.layers).enumerated() {
            guard mapped.cells.count == cellCounts[l], mapped.nodeCount == layer.nodeCount else {
                throw .invalid("circuit.layers[\(l)]", "has \(mapped.cells.count) cells on \(mapped.nodeCount) nodes but model layer \(l) has \(cellCounts[l]) edges that carry current on \(layer.nodeCount) nodes; \(fix)")
            }
            for c in 0..<mapped.cells.count {
                let e = Int(mapped.cells.edge[c])
                guard e >= 0, e < layer.edgeCount, !network.carriesNoCurrent(layer: l, edge: e),
                      Int(mapped.cells.src[c]) == Int(layer.edges.src[e]), Int(mapped.cells.des[c]) == Int(layer.edges.des[e]) else {
                    throw .invalid("circuit.layers[\(l)].cells[\(c)]", "is edge \(e) from node \(mapped.cells.src[c]) to \(mapped.cells.des[c]), which model layer \(l) does not have; \(fix)")
                }
            }
        }
        // Layer l lasts its span times its own tau.
        var anchors = [circuit.layers[0].startSeconds]
        for l in network.layers.indices { anchors.append(anchors[l] + (network.anchors[l + 1] - network.anchors[l]) * circuit.scaling.tau(layer: l)) }
        let times = [circuit.layers[0].startSeconds] + circuit.layers.map(\.endSeconds)
        for (k, (a, b)) in zip(anchors, times).enumerated() where abs(a - b) > 1e-9 * max(abs(anchors.last ?? 1), 1e-300) {
            throw .invalid("circuit.layers", "anchor \(k) is at \(b) s but the model's t_end gives \(a) s with each layer's tau; \(fix)")
        }
    }
}

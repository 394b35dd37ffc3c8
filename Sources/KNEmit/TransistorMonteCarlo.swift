import Foundation
import KNMap
import KNModel
import KNProcess
import KNSimulate

/// An ngspice Monte Carlo of a whole mapped circuit at transistor level: each chip is the circuit with the foundry's
/// per-device mismatch switched on and drawn from its own `.option seed`, simulated on every input (one netlist
/// per chip and input, the same seed for all inputs of a chip, so they all see the same chip).
///
/// Chips run in ``processes`` concurrent ngspice processes. Each finished chip is written at once to
/// `folder/chips/chip-K.json` with the run it belongs to, so a stopped run resumes at the unfinished chips
/// (``resume``) and ends with the same read-outs as an uninterrupted one.
public struct TransistorMonteCarlo: Sendable {
    /// Chips (mismatch samples).
    public var chips: Int
    /// Seed of the draws: chip k uses `.option seed` ``chipSeed(_:)``.
    public var seed: Int
    public var options = TransistorNetlistOptions()
    public var runner = NgspiceRunner(timeout: 7200)
    public var processes = ProcessInfo.processInfo.activeProcessorCount
    /// Reuse the chips of an earlier run in `folder/chips` (same circuit, inputs, seed and options).
    public var resume = false

    public init(chips: Int, seed: Int) {
        self.chips = chips
        self.seed = seed
    }

    /// The `.option seed` of chip `k`: depends only on (``seed``, k).
    public func chipSeed(_ k: Int) -> Int {
        let mixed = UInt64(truncatingIfNeeded: seed) &* 2_654_435_761 &+ UInt64(k) &* 40_503 &+ 17
        return Int(mixed % 1_000_000_000) + 1
    }

    /// What identifies a run's chips: the circuit, the inputs, the seed and the netlist options.
    struct Run: Codable, Equatable {
        var format = "kn-netlist-mc-chip-2"
        var circuitDigest: String
        var inputsDigest: String
        var seed: Int
        var options: TransistorNetlistOptions
    }

    /// One finished chip: its read-out for every input (after the network's projectors), model units.
    public struct Chip: Codable, Sendable, Hashable {
        public var index: Int
        public var seed: Int
        public var outputs: [[Double]]
        /// Wall seconds of the chip: writing its netlists, running ngspice on them and reading the results back.
        public var seconds: Double
    }

    /// Runs the chips not yet in `folder/chips` and returns every chip's read-outs in chip order.
    ///
    /// - Parameters:
    ///   - circuitDigest: identifies the circuit file (FNV-1a of its bytes, say), so that a resumed run never mixes
    ///     chips of two circuits.
    ///   - progress: called from worker threads with a line per finished chip.
    /// - Throws: ``EmitError`` for an inconsistent circuit, input or options, a chip file of another run, or a
    ///   process without a mismatch switch; ``FlowError`` when ngspice fails (naming the netlist); read-back errors.
    public func run(circuit: MappedCircuit, network: Network, process: ProcessDescription, root: PDKRoot, inputs: [[Double]],
                    circuitDigest: String, folder: URL, progress: (@Sendable (String) -> Void)? = nil) throws -> [Chip] {
        guard chips >= 1 else { throw EmitError.invalid("chips", "must be at least 1, got \(chips)") }
        guard !inputs.isEmpty else { throw EmitError.invalid("inputs", "holds no sample; give at least one input") }
        if processes < 1 { throw EmitError.invalid("processes", "must be at least 1, got \(processes)") }
        try TransistorVerifier.checkMatch(circuit, network)
        try process.verifyInstalled(in: root)
        var foundryRunner = runner
        foundryRunner.spiceinit = TransistorVerifier.spiceinit
        let runner = foundryRunner
        _ = try runner.resolveExecutable()

        var digest = Data()
        for x in inputs { x.withUnsafeBytes { digest.append(contentsOf: $0) } }
        var nominalOptions = options
        nominalOptions.mismatchSeed = nil
        let run = Run(circuitDigest: circuitDigest, inputsDigest: fnv1a64(digest), seed: seed, options: nominalOptions)
        let journal = try RunJournal<Run, Chip>(folder: folder.appendingPathComponent("chips"), run: run, prefix: "chip-",
                                                what: "a finished chip", settings: "circuit, inputs, seed or netlist options",
                                                resume: resume)
        var done: [Int: Chip] = [:]
        for k in 0..<chips {
            guard let chip = try journal.finished("\(k)") else { continue }
            guard chip.index == k else {
                throw EmitError.invalid(journal.url("\(k)").path, "holds chip \(chip.index), not chip \(k); delete it, or run without --resume")
            }
            done[k] = chip
            progress?("chip \(k): taken from \(journal.url("\(k)").lastPathComponent)")
        }
        let remaining = (0..<chips).filter { done[$0] == nil }
        // Every chip's operating point starts from the nominal cells' typical nets (not part of the run's identity:
        // a start point does not change the solution).
        var startOptions = options
        if !remaining.isEmpty {
            startOptions.start = try OperatingPointStart.resolve(options.start, for: circuit) {
                let work = try Ngspice.workDirectory(prefix: "kn-netlist-mc")
                defer { Ngspice.removeWorkDirectory(work) }
                return try CellNodesets.measure(circuit: circuit, process: process, root: root, folder: work, runner: runner)
            }
        }
        let chipBase = startOptions
        let slots = ResultSlots<Chip, any Error>(count: remaining.count)
        let gate = DispatchSemaphore(value: processes)
        let width = String(max(inputs.count - 1, 0)).count
        DispatchQueue.concurrentPerform(iterations: remaining.count) { r in
            gate.wait()
            defer { gate.signal() }
            let k = remaining[r]
            let result = Result { () throws -> Chip in
                var chipOptions = chipBase
                chipOptions.mismatchSeed = chipSeed(k)
                let chipStart = Date()
                var outputs: [[Double]] = []
                // The netlists, logs and rawfiles live in a work folder (kept with KN_KEEP_NGSPICE set).
                let work = try Ngspice.workDirectory(prefix: "kn-netlist-mc")
                defer { Ngspice.removeWorkDirectory(work) }
                for (j, x) in inputs.enumerated() {
                    let url = work.appendingPathComponent("chip\(k)-" + String(repeating: "0", count: width - String(j).count) + "\(j).cir")
                    let netlist = try TransistorNetlistWriter.write(circuit, process: process, root: root, inputs: x, to: url, options: chipOptions)
                    let (_, plot) = try NgspiceFlow.transient(netlist: netlist.url, rawfile: netlist.rawfile) { try runner.run($0) }
                    let anchors = try TransistorReadback.anchorValues(plot, netlist: netlist, scaling: circuit.scaling, path: netlist.rawfile.path)
                    outputs.append(try network.readOut(anchors.last ?? []))
                }
                let chip = Chip(index: k, seed: chipOptions.mismatchSeed!, outputs: outputs, seconds: Date().timeIntervalSince(chipStart))
                try journal.store(chip, as: "\(k)")
                return chip
            }
            if let progress {
                switch result {
                case let .success(chip): progress(String(format: "chip %d (seed %d): %.1f s", k, chip.seed, chip.seconds))
                case let .failure(error): progress("chip \(k): failed: \(error)")
                }
            }
            slots.set(r, result)
        }
        for (r, result) in slots.take().enumerated() {
            guard let result else { throw EmitError.invalid("chip \(remaining[r])", "did not run; run again with --resume") }
            done[remaining[r]] = try result.get()
        }
        return (0..<chips).map { done[$0]! }
    }
}

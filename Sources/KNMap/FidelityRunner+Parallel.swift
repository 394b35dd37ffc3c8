import Foundation
import KNModel

/// Measuring and calibrating cells in several ngspice processes at once.
///
/// Every cell is its own small circuit at its own operating points, so a cell's measurement and calibration do
/// not depend on which other cells share its ngspice run: splitting the picks into shards and running them side
/// by side gives the same results as one run, in a fraction of the time.
extension FidelityRunner {
    /// ``measure(_:network:samples:picks:)`` in `processes` concurrent ngspice processes (default: one per core).
    public func measureInParallel(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick],
                                  processes: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [EdgeFidelity] {
        let shards = Self.shards(picks, processes: processes)
        let results = try Self.concurrently(shards) { shard in
            try measure(circuit, network: network, samples: samples, picks: shard)
        }
        return Array(results.joined())
    }

    /// ``calibrate(_:network:samples:picks:)`` in `processes` concurrent shards; each shard calibrates its own cells
    /// and the calibrated cells are merged into one circuit.
    public func calibrateInParallel(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick],
                                    processes: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws -> (circuit: MappedCircuit, before: [EdgeFidelity], after: [EdgeFidelity])
    {
        let shards = Self.shards(picks, processes: processes)
        if shards.count <= 1 { return try calibrate(circuit, network: network, samples: samples, picks: picks) }
        let results = try Self.concurrently(shards) { shard in
            try calibrate(circuit, network: network, samples: samples, picks: shard)
        }
        var merged = circuit
        for (shard, result) in zip(shards, results) {
            for pick in shard {
                merged.layers[pick.layer].cells.replace(pick.row, with: result.circuit.layers[pick.layer].cells.cell(pick.row))
            }
        }
        return (merged, Array(results.map(\.before).joined()), Array(results.map(\.after).joined()))
    }

    /// Contiguous shards of at least one batch each, at most `processes` of them.
    static func shards(_ picks: [Pick], processes: Int) -> [[Pick]] {
        let count = max(1, min(processes, (picks.count + max(batchSizeFloor, 1) - 1) / max(batchSizeFloor, 1)))
        let size = (picks.count + count - 1) / max(count, 1)
        return stride(from: 0, to: picks.count, by: max(size, 1)).map { Array(picks[$0..<min($0 + size, picks.count)]) }
    }

    /// Below this many cells per shard a second ngspice process costs more than it saves.
    static var batchSizeFloor: Int { 4 }

    /// Runs `body` on every pick that `finished` does not already hold (a journal of a stopped run), `processes` at a
    /// time; every pick's result in pick order. `done` is called with each result as it becomes available and whether
    /// it was measured now (false: `finished` had it). Only the unfinished picks are spread over the processes, so a
    /// resumed run keeps them all busy.
    public static func resuming<T: Sendable>(_ picks: [Pick], processes: Int, finished: (Pick) throws -> T?,
                                             done: (@Sendable (T, _ measured: Bool) -> Void)? = nil,
                                             _ body: @Sendable (Pick) throws -> T) throws -> [T] {
        var results = [Pick: T]()
        for pick in picks {
            guard let result = try finished(pick) else { continue }
            results[pick] = result
            done?(result, false)
        }
        let remaining = picks.filter { results[$0] == nil }
        let measured = try inParallel(remaining, processes: processes) { pick in
            let result = try body(pick)
            done?(result, true)
            return result
        }
        for (pick, result) in zip(remaining, measured) { results[pick] = result }
        return picks.map { results[$0]! }
    }

    /// Runs `body` on every pick in `processes` concurrent shards (pick k in shard k mod `processes`, so neighbouring
    /// picks run side by side); results in pick order, the first error rethrown.
    public static func inParallel<T: Sendable>(_ picks: [Pick], processes: Int,
                                               _ body: @Sendable (Pick) throws -> T) throws -> [T] {
        let count = max(1, min(processes, picks.count))
        let shards = (0..<count).map { k in stride(from: k, to: picks.count, by: count).map { picks[$0] } }
        let results = try concurrently(shards) { shard in try shard.map(body) }
        return picks.indices.map { results[$0 % count][$0 / count] }
    }

    /// Runs `body` on every shard concurrently; results in shard order, the first error rethrown.
    public static func concurrently<T: Sendable>(_ shards: [[Pick]], _ body: @Sendable ([Pick]) throws -> T) throws -> [T] {
        let slots = ResultSlots<T, any Error>(count: shards.count)
        DispatchQueue.concurrentPerform(iterations: shards.count) { k in
            do { slots.set(k, .success(try body(shards[k]))) } catch { slots.set(k, .failure(error)) }
        }
        return try slots.take().map { result in
            guard let result else { throw MapError.invalid("a measurement shard did not run", fix: "run again") }
            return try result.get()
        }
    }
}

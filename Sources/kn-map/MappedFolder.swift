import ArgumentParser
import Foundation
import KNMap
import KNModel
import KNProcess
import KNVary

/// A model file and the circuit `kn-map map` wrote for it, checked against each other, with the device catalog of
/// the circuit's process: what the commands that measure an existing circuit start from.
struct MappedFolder {
    var network: Network
    var circuit: MappedCircuit
    var circuitURL: URL
    /// FNV-1a digest of the circuit file's bytes: journals and caches belong to one circuit file.
    var circuitDigest: String
    var catalog: DeviceCatalog

    /// - Parameters:
    ///   - model: the `.knm` the circuit was mapped from.
    ///   - circuit: the folder `kn-map map -o` wrote, or its `circuit.json`.
    static func load(model: String, circuit path: String) throws -> MappedFolder {
        try load(network: try ModelFile.read(from: URL(fileURLWithPath: model)), model: model, circuit: path)
    }

    /// The same for a model already read from the file `model`.
    static func load(network: Network, model: String, circuit path: String) throws -> MappedFolder {
        let url = circuitFile(path)
        let circuit: MappedCircuit, digest: String
        do {
            let data = try MappedCircuitFile.contents(of: url)
            circuit = try MappedCircuitFile.decode(data, file: url)
            digest = fnv1a64(data)
        } catch {
            // MapError names the file and the fix (the circuit.json, or the folder, that `kn-map map -o` wrote).
            throw ValidationError("\(error)")
        }
        let cells = circuit.layers.map(\.cells.count), edgeCounts = network.cellCounts
        guard circuit.family == network.family.description, cells == edgeCounts else {
            throw ValidationError("\(url.path): the circuit maps \(circuit.family) with \(cells) cells per layer, the model \(model) is \(network.family.description) with \(edgeCounts) edges that carry current; give the model the circuit was mapped from")
        }
        let catalog = try ProcessCatalog.load(circuit.process)
        return MappedFolder(network: network, circuit: circuit, circuitURL: url, circuitDigest: digest, catalog: catalog)
    }
}

extension MappedFolder {
    /// The circuit file of `path`: the `circuit.json` in it when it is a folder, else `path` itself.
    static func circuitFile(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            return url.appendingPathComponent("circuit.json")
        }
        return url
    }

    /// The file beside the circuit file of `circuit` (a folder or its `circuit.json`) that keeps the cells'
    /// measured sensitivities (``cellProvider(processes:deviceSamples:)``).
    static func sensitivityCache(circuit: String) -> URL {
        circuitFile(circuit).deletingLastPathComponent().appendingPathComponent("sensitivities.json")
    }

    var sensitivityCache: URL { circuitURL.deletingLastPathComponent().appendingPathComponent("sensitivities.json") }

    /// The mapped-cell provider of the whole circuit: every cell's sensitivities measured in ngspice at the
    /// operating points of the map's default sample inputs, with `deviceSamples` mismatch copies per instance
    /// for its gate-referred σ (``CellBench/deviceSamples``).
    ///
    /// Measuring takes minutes per cell, so the result is kept in ``sensitivityCache`` (written atomically) and
    /// read from there when it belongs to the same circuit file (by digest) and device samples; any other cache
    /// is measured again and replaced.
    func cellProvider(processes: Int = ProcessInfo.processInfo.activeProcessorCount, deviceSamples: Int = 200) throws -> MappedCellProvider {
        let digest = circuitDigest
        let cache = sensitivityCache
        if let data = try? Data(contentsOf: cache), let stored = try? JSONDecoder.nonConforming.decode(SensitivityCache.self, from: data),
           stored.circuitDigest == digest, stored.deviceSamples == deviceSamples {
            FileHandle.standardError.write(Data("read the sensitivities of \(stored.cells.count) cell\(stored.cells.count == 1 ? "" : "s") from \(cache.path)\n".utf8))
            return MappedCellProvider(stored.cells, network: network, source: circuitURL.path)
        }
        let operating = try OperatingSamples.simulate(network: network, inputs: MapPipeline.defaultInputs(for: network, count: 16, seed: 1))
        var bench = CellBench(runner: FidelityRunner(mapper: Mapper(catalog: catalog), root: .resolve(), ngspice: try Ngspice.locate()))
        bench.deviceSamples = deviceSamples
        let start = Date()
        let picks = FidelityRunner.sample(circuit, count: .max)
        // Each cell is kept in DIR/sensitivities.parts/ as it is measured, so a stopped measurement resumes; a part of
        // another circuit file or device-sample count is measured again.
        let parts = try RunJournal<SensitivityRun, CellSensitivities>(
            folder: sensitivityCache.deletingPathExtension().appendingPathExtension("parts"),
            run: SensitivityRun(circuitDigest: digest, deviceSamples: deviceSamples), prefix: "cell-",
            what: "a measured cell's sensitivities", settings: "circuit file or device samples", resume: true)
        let sensitivities = try MappedCellProvider.measure(circuit, network: network, operating: operating, bench: bench,
                                                           picks: picks, journal: parts, processes: processes)
        FileHandle.standardError.write(Data(String(format: "measured the sensitivities of %d cell%@ in %.1f s\n",
                                                   picks.count, picks.count == 1 ? "" : "s", Date().timeIntervalSince(start)).utf8))
        try AtomicFile.write(try JSONEncoder.nonConforming(pretty: false).encode(SensitivityCache(circuitDigest: digest, deviceSamples: deviceSamples, cells: sensitivities)),
                             to: cache)
        try? FileManager.default.removeItem(at: parts.folder)
        return MappedCellProvider(sensitivities, network: network, source: circuitURL.path)
    }

}

/// The settings that make two measurements' cells interchangeable.
struct SensitivityRun: Codable, Equatable, Sendable {
    var circuitDigest: String
    var deviceSamples: Int
}

/// Measured cell sensitivities with the digest of the circuit file they belong to and the device samples per
/// instance they were measured with.
struct SensitivityCache: Codable {
    var format = "kn-cell-sensitivities-1"
    var circuitDigest: String
    var deviceSamples: Int
    var cells: [CellSensitivities]
}

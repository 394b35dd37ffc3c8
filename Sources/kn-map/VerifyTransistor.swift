import ArgumentParser
import Foundation
import KNEmit
import KNMap
import KNModel
import KNProcess
import KNSimulate

extension VerifyCommand {
    /// `--flow ngspice-transistor`: the mapped circuit (from --circuit, or MODEL mapped here with every cell
    /// calibrated) at transistor level in ngspice, one netlist per sample, against the model.
    func runTransistor() throws {
        let network = try KNModel.ModelFile.read(from: URL(fileURLWithPath: model))
        let samples = try readInputs(inputs)
        let mapped: MappedCircuit
        let catalog: DeviceCatalog
        if let path = circuit {
            mapped = try Self.readCircuit(path)
            if let pdk, pdk != mapped.process {
                throw ValidationError("--pdk \(pdk): \(path) was mapped onto \(mapped.process); pass --pdk \(mapped.process) or leave --pdk out")
            }
            catalog = try ProcessCatalog.load(mapped.process)
        } else {
            let name = pdk!
            catalog = try ProcessCatalog.load(name)
            var pipeline = MapPipeline(catalog: catalog)
            pipeline.fidelityEdges = network.edgeCount
            let start = Date()
            // The operating range comes from the same sample inputs `kn-map map` uses by default.
            let (built, report) = try pipeline.run(network: network, inputs: MapPipeline.defaultInputs(for: network, count: 16, seed: 1))
            mapped = built
            let after = report.fidelity.map { String(format: "; calibrated cells: median NRMSE %.2f %%, p95 %.2f %%, worst %.2f %%", 100 * $0.after.median, 100 * $0.after.p95, 100 * $0.after.worst) } ?? ""
            print(String(format: "mapped %@ onto %@ with every one of %d cells calibrated in %.1f s", model, name, network.edgeCount, Date().timeIntervalSince(start)) + after)
        }
        let laws = try characterized.map { try CharacterizedEdges.read(from: URL(fileURLWithPath: $0), for: network) }
        let original = try target.map { try KNModel.ModelFile.read(from: URL(fileURLWithPath: $0)) }
        let folder = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kn-verify-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        if keep != nil, circuit == nil {
            // The calibrated circuit took long to make: keep it for --circuit.
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try AtomicFile.write(try MappedCircuitFile.encode(mapped), to: folder.appendingPathComponent("circuit.json"))
        }
        var options = TransistorNetlistOptions()
        options.source = URL(fileURLWithPath: model).lastPathComponent
        options.prebinned = !foundrySubcircuits
        switch start {
        case .auto: options.start = .automatic(for: mapped, phase: SettlePhase(duration: settle))
        case .cold: options.start = .cold
        case .nodesets: options.start = .nodesets(CellNodesets())
        case .settle: options.start = .settle(CellNodesets(), SettlePhase(duration: settle))
        }
        let result: TransistorVerification
        do {
            result = try TransistorVerifier.verify(circuit: mapped, network: network, process: catalog.process, root: .resolve(),
                                                   target: original, inputs: samples, folder: folder, tolerance: toleranceValue,
                                                   characterized: laws.map { ($0, characterizedTolerance) }, options: options,
                                                   runner: NgspiceRunner(timeout: timeoutValue), processes: processes) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        } catch let error as FlowError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            if case .simulatorMissing = error { throw ExitCode(3) }
            throw ExitCode.failure
        }
        print(result.table(details: details))
        if keep != nil { print("kept: \(folder.path) (netlists, logs, rawfiles\(circuit == nil ? ", the mapped circuit circuit.json" : ""))") }
        if !result.passed { throw ExitCode.failure }
    }

    /// Reads a `circuit.json` written by `kn-map map`.
    static func readCircuit(_ path: String) throws -> MappedCircuit {
        do { return try MappedCircuitFile.read(from: URL(fileURLWithPath: path)) } catch let error as MapError {
            throw ValidationError(error.description)
        }
    }
}

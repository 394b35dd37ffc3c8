import Foundation
import KNImport
import KNModel
import KNProcess
import KNSimulate
import KNTestSupport
@testable import KNMap

/// Loads `pdk/<name>.xml` with its gm/ID table and makes sure the foundry models are installed (through
/// `flows/pdk-install.sh`, idempotent), so tests that need them fail rather than pass silently.
func catalog(_ name: String) throws -> (DeviceCatalog, PDKRoot) {
    let catalog = try DeviceCatalog(processFile: SharedData.repositoryRoot.appendingPathComponent("pdk/\(name).xml"))
    let root = PDKRoot.resolve()
    if (try? catalog.process.verifyInstalled(in: root)) == nil {
        try ModelInstaller(script: SharedData.repositoryRoot.appendingPathComponent("flows/pdk-install.sh"), root: root).install([name])
    }
    return (catalog, root)
}

/// The upstream checkpoint of an experiment, imported; nil (and the reason) when ../shared is absent.
func upstreamNetwork(_ experiment: String) throws -> Network? {
    guard let files = SharedData.upstream(experiment),
          FileManager.default.fileExists(atPath: files.checkpoint.path) else { return nil }
    return try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
}

/// The 16 fixed 2-D inputs of the reference file (standard normal, seeded; see its `seed_info`).
func referenceInputs(_ experiment: String) throws -> [[Double]] {
    guard let reference = try SharedData.reference(experiment), let inputs = reference["inputs"] as? [[Double]] else { return [] }
    return inputs
}

/// A network saved by upstream's code with torch.save (`Tests/KNSimulateTests/Fixtures/torch-reference/<name>`), imported.
func fixtureNetwork(_ name: String) throws -> Network {
    let folder = SharedData.repositoryRoot.appendingPathComponent("Tests/KNSimulateTests/Fixtures/torch-reference/\(name)")
    return try CheckpointImporter.importNetwork(checkpoint: folder.appendingPathComponent("model.pth"),
                                                config: folder.appendingPathComponent("config.yaml"))
}

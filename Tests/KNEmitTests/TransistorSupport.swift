import Foundation
import KNImport
import KNMap
import KNModel
import KNProcess
import KNTestSupport

/// Helpers of the transistor-flow tests: the process with its gm/ID table (installing the foundry models
/// through `flows/pdk-install.sh` when they are missing, so tests fail rather than skip), and a sub-network of
/// an upstream checkpoint.
enum TransistorSupport {
    static func catalog(_ name: String) throws -> (DeviceCatalog, PDKRoot) {
        let catalog = try DeviceCatalog(processFile: SharedData.repositoryRoot.appendingPathComponent("pdk/\(name).xml"))
        let root = PDKRoot.resolve()
        if (try? catalog.process.verifyInstalled(in: root)) == nil {
            try ModelInstaller(script: SharedData.repositoryRoot.appendingPathComponent("flows/pdk-install.sh"), root: root).install([name])
        }
        return (catalog, root)
    }

    /// `count` edges of layer 0 of an upstream network, every `stride`-th from the first, as a one-layer network
    /// over layer 0's span.
    static func layer0Edges(_ experiment: String, count: Int, stride step: Int = 1) throws -> Network? {
        guard let files = SharedData.upstream(experiment), FileManager.default.fileExists(atPath: files.checkpoint.path) else { return nil }
        let full = try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
        return try full.subnetwork(layer: 0, edges: Array(stride(from: 0, to: full.layers[0].edgeCount, by: step).prefix(count)))
    }

    /// The 16 fixed 2-D inputs of `shared/reference/<experiment>.json`.
    static func referenceInputs(_ experiment: String) throws -> [[Double]] {
        guard let reference = try SharedData.reference(experiment), let inputs = reference["inputs"] as? [[Double]] else { return [] }
        return inputs
    }
}

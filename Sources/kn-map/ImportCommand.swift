import ArgumentParser
import Foundation
import KNImport
import KNModel

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read an upstream checkpoint (model.pth + config.yaml) and write a kn-toolkit model file.",
        discussion: """
        Reads the PyTorch zip checkpoint without Python (a safe unpickler with an allow-list of globals),
        rebuilds every layer's topology from config.yaml, checks that the parameter shapes agree, and writes
        the network, its parameters and its simulation settings to one .knm file.

        Examples:
          kn-map import model.pth config.yaml -o twomoon.knm
          kn-map import model.pth config.yaml -o net.knm --block augmented
        """
    )

    @Argument(help: "The PyTorch checkpoint (state dict saved with torch.save).")
    var checkpoint: String

    @Argument(help: "The upstream config.yaml the checkpoint was trained with.")
    var config: String

    @Option(name: .shortAndLong, help: "The model file to write (default: the checkpoint's folder name + .knm).")
    var output: String?

    @Option(help: "How layers chain: plain (classification) or augmented (generation/density, with log-density). Default: from test_bench.")
    var block: BlockKind?

    func run() throws {
        let network = try CheckpointImporter.importNetwork(
            checkpoint: URL(fileURLWithPath: checkpoint), config: URL(fileURLWithPath: config), block: block)
        let out = outputURL
        try ModelFile.write(network, to: out)
        print("wrote \(out.path): \(network.layers.count) layers × \(network.layers.map { String($0.edgeCount) }.joined(separator: "/")) edges, \(network.layers.map(\.nodeCount).max() ?? 0) nodes, \(network.family.description)")
    }

    /// `-o`, or the checkpoint's folder name + `.knm`.
    var outputURL: URL { URL(fileURLWithPath: output ?? defaultOutput()) }

    private func defaultOutput() -> String {
        let folder = URL(fileURLWithPath: checkpoint).deletingLastPathComponent().standardizedFileURL.lastPathComponent
        return (folder.isEmpty || folder == "/" ? "model" : folder) + "." + ModelFile.fileExtension
    }
}

extension BlockKind: ExpressibleByArgument {}

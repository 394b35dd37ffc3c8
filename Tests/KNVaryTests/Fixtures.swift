import Foundation
import KNImport
import KNModel
import KNTestSupport
@testable import KNVary

enum Fixtures {
    /// A fully connected network (ground included) with parameters uniform in [−scale, scale), seeded.
    static func network(family: EdgeFamily, numNode: Int = 3, repeat rep: [Int] = [2, 2], layers: Int = 2,
                        block: BlockKind = .augmented, seed: UInt64 = 1, scale: Double = 0.6) throws -> Network {
        let g = TopologyGenerator.fullyConnect(numNode: numNode, includeGround: true, repeat: rep)
        var rng = SeededGenerator(seed: seed)
        let ls = try (0..<layers).map { _ -> Layer in
            let edges = try g.generate()
            let rows = family.parameterRows
            let values = (0..<(rows * edges.count)).map { _ in scale * (2 * rng.nextUniform() - 1) }
            return Layer(generator: g, edges: edges, parameters: ParameterMatrix(rows: rows, columns: edges.count, values: values))
        }
        return Network(family: family, layers: ls, anchors: (0...layers).map { Double($0) * 0.5 }, block: block)
    }

    /// The sky130 mismatch coefficients from pdk/sky130.xml.
    static func sky130() throws -> ProcessMismatch {
        try ProcessMismatch.load(processFile: SharedData.repositoryRoot.appendingPathComponent("pdk/sky130.xml"))
    }

    /// The upstream twomoon checkpoint, or nil when ../shared is absent.
    static func twomoon() throws -> Network? {
        guard let files = SharedData.upstream("twomoon"), FileManager.default.fileExists(atPath: files.checkpoint.path) else {
            print(SharedData.missingReason)
            return nil
        }
        return try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
    }
}

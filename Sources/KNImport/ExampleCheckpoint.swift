import Foundation
import KNModel

/// The example network kn-toolkit ships: a 2-D generative KirchhoffNet in upstream's own format
/// (`config.yaml` + `model.pth`), so that the whole pipeline can be run without anyone's checkpoint.
///
/// Two ShiftTanh2 layers of `_fully_connect(num_node: 3, repeat: [5, 5])` (60 edges each, nodes 1–2 plus
/// ground) over anchors 0, 0.5, 1. The parameters are drawn from a seeded normal distribution (σ = 0.5,
/// rounded to float32), so every run of `kn-map example` writes the same bytes.
public enum ExampleCheckpoint {
    public static let seed: UInt64 = 20_241_129

    /// The example's config.yaml, in upstream's layout.
    public static let configYAML = """
    batch_size: 512
    network:
      adjoint: true
      initialization: kaiming
      model:
        args: {}
        name: ShiftTanh2
      net_struct:
      - args:
          num_node: 3
          repeat:
          - 5
          - 5
        name: _fully_connect
      - args:
          num_node: 3
          repeat:
          - 5
          - 5
        name: _fully_connect
    simulation:
      first_step: 1e-3
      method: dopri5
      min_step: 1e-6
      step_size: 1.0e-06
      t_end:
      - 0.0
      - 0.5
      - 1.0
      tol: 1e-4
    test_bench: twomoon

    """

    /// The example's parameters, one `(3, 60)` float32 matrix per layer.
    public static func parameters() -> [ParameterMatrix] {
        var rng = SeededGenerator(seed: seed)
        return (0..<2).map { _ in
            ParameterMatrix(rows: 3, columns: 60,
                            values: (0..<180).map { _ in Double(Float(0.5 * rng.nextNormal())) }, precision: .float32)
        }
    }

    /// Writes `config.yaml` and `model.pth` into `folder` (created if needed).
    public static func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(configYAML.utf8), to: folder.appendingPathComponent("config.yaml"))
        let entries = parameters().enumerated().map { l, m in
            TorchCheckpointWriter.Entry(key: "circuit.layer_list.\(l).model.param", matrix: m)
        }
        try TorchCheckpointWriter.write(entries, to: folder.appendingPathComponent("model.pth"))
    }
}

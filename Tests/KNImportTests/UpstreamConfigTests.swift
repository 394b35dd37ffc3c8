import Foundation
import KNModel
import Testing
@testable import KNImport

/// config.yaml read as upstream reads it: PyYAML's typing, `float()` on the simulation numbers, the generator
/// defaults of topology.py, and the encoder / projector parts of model.py.
struct UpstreamConfigTests {
    func parse(_ yaml: String) throws -> UpstreamConfig { try UpstreamConfig.parse(yaml, file: "config.yaml") }

    func error(_ yaml: String) -> String? {
        do { _ = try parse(yaml); Issue.record("no error"); return nil } catch { return "\(error)" }
    }

    static let minimal = """
        network:
          model: {name: ShiftTanh2, args: {}}
          net_struct:
          - {name: GENERATOR, args: ARGS}
        simulation: {t_end: [0.0, 1.0], tol: 1e-4, first_step: 1e-3, min_step: 1e-6, step_size: 1.0e-06, method: dopri5}
        test_bench: twomoon
        """

    func generator(_ name: String, _ args: String) throws -> TopologyGenerator {
        try parse(Self.minimal.replacingOccurrences(of: "GENERATOR", with: name).replacingOccurrences(of: "ARGS", with: args))
            .generators[0]
    }

    @Test func pyyamlTypingAndFloatConversion() {
        // PyYAML (YAML 1.1): a float needs a dot, and its exponent a sign.
        #expect(YAMLNode.resolvePlain("1e-4") == .string("1e-4"))
        #expect(YAMLNode.resolvePlain("1.0e-06") == .float(1e-6))
        #expect(YAMLNode.resolvePlain("1.0e6") == .string("1.0e6"))
        #expect(YAMLNode.resolvePlain("0.5") == .float(0.5))
        #expect(YAMLNode.resolvePlain(".5") == .float(0.5))
        #expect(YAMLNode.resolvePlain("12") == .int(12))
        #expect(YAMLNode.resolvePlain("1_000") == .int(1000))
        #expect(YAMLNode.resolvePlain("010") == .int(8))
        #expect(YAMLNode.resolvePlain("0x1F") == .int(31))
        #expect(YAMLNode.resolvePlain("yes") == .bool(true))
        #expect(YAMLNode.resolvePlain("Off") == .bool(false))
        #expect(YAMLNode.resolvePlain("~") == .null)
        #expect(YAMLNode.resolvePlain("none") == .string("none"))
        #expect(YAMLNode.resolvePlain("dopri5") == .string("dopri5"))
    }

    @Test func simulationNumbersAcceptNumbersAndNumericStrings() throws {
        let c = try UpstreamConfig.read(TestData.fixture("mlp.yaml"))
        #expect(c.solver == SolverSettings(method: "rk4", tolerance: 1e-3, firstStep: 0.01, minStep: 1e-5, stepSize: 2))
        #expect(c.anchors == [0, 0.25])
    }

    @Test func generatorDefaultsAreUpstreams() throws {
        #expect(try generator("_fully_connect", "{num_node: 3}") == .fullyConnect(numNode: 3, includeGround: true, repeat: [1, 1]))
        #expect(try generator("_simple_connect", "{num_node: 4, include_gnd: false}")
                == .simpleConnect(numNode: 4, includeGround: false, repeat: [1, 1]))
        #expect(try generator("_neighbor_index", "{num_channel: 1, width: 5, height: 4, neighbor_size: 2}")
                == .neighborIndex(.init(numChannel: 1, width: 5, height: 4, neighborSize: 2, padding: false, kernelRepeat: 1,
                                        sharing: false, parallel: 1)))
        #expect(try generator("_neighbor_index", "{num_channel: 1, width: 5, height: 4, neighbor_size: 2, repeat: 3, parallel: 2}")
                == .neighborIndex(.init(numChannel: 1, width: 5, height: 4, neighborSize: 2, kernelRepeat: 3, parallel: 2)))
        #expect(try generator("_mix_connect", "{num_channel: 1, width: 3, height: 3, neighbor_size: 2, fully_connect_node: 2}")
                == .mixConnect(.init(numChannel: 1, width: 3, height: 3, neighborSize: 2), fullyConnectNode: 2, repeat: [1, 0]))
        #expect(try generator("_pregiven", "{source_edge_index: [[0, 1], [1, 2]], num_node_feature: 2}")
                == .pregiven(sourceEdgeIndex: [[0, 1], [1, 2]], numNodeFeature: 2, repeatAcrossLayer: 1, repeatWithinLayer: 1,
                             repeatToGround: 1))
    }

    @Test func missingRequiredGeneratorArgumentIsNamed() {
        let yaml = Self.minimal.replacingOccurrences(of: "GENERATOR", with: "_mix_connect")
            .replacingOccurrences(of: "ARGS", with: "{num_channel: 1, width: 3, height: 3, neighbor_size: 2}")
        #expect(error(yaml) == "config.yaml: line 4, network.net_struct[0]: _mix_connect needs argument 'fully_connect_node'; add args.fully_connect_node")
    }

    @Test func deviceNeedsNegationAndActivation() throws {
        let base = Self.minimal.replacingOccurrences(of: "GENERATOR", with: "_fully_connect").replacingOccurrences(of: "ARGS", with: "{num_node: 3}")
        let device = try parse(base.replacingOccurrences(of: "{name: ShiftTanh2, args: {}}",
                                                         with: "{name: Device, args: {negation: true, activation: tanh}}"))
        #expect(device.family == .device(negation: true, activation: .tanh))
        let linear = try parse(base.replacingOccurrences(of: "{name: ShiftTanh2, args: {}}",
                                                         with: "{name: Device, args: {negation: false, activation: null}}"))
        #expect(linear.family == .device(negation: false, activation: .identity))
        #expect(error(base.replacingOccurrences(of: "{name: ShiftTanh2, args: {}}", with: "{name: Device, args: {negation: true}}"))
                == "config.yaml: line 2, network.model: Device needs args.activation (a torch.nn.functional name, or null for linear)")
        #expect(error(base.replacingOccurrences(of: "args: {}}", with: "args: {gain: 2}}"))
                == "config.yaml: line 2, network.model.args.gain: ShiftTanh2 takes no argument 'gain'; remove it; upstream would fail with a TypeError")
    }

    @Test func projectorAndEncoderKeywords() throws {
        #expect(UpstreamConfig.ProjectorSpec(keyword: "last10") == .last(10))
        #expect(UpstreamConfig.ProjectorSpec(keyword: "first3") == .first(3))
        #expect(UpstreamConfig.ProjectorSpec(keyword: "reshape2") == .reshape(2))
        #expect(UpstreamConfig.ProjectorSpec(keyword: "mlp_50_10") == .mlp(input: 50, output: 10))
        #expect(UpstreamConfig.ProjectorSpec(keyword: "mlp_50") == nil)
        #expect(UpstreamConfig.ProjectorSpec(keyword: "lastk") == nil)
        let c = try UpstreamConfig.read(TestData.fixture("mlp.yaml"))
        #expect(c.projectors == [.mlp(input: 3, output: 2), .last(1)] && c.projectorIsList)
        #expect(c.encoderWidths == [2, 4, 3])
        #expect(c.fill == .repeat && c.residual == nil)
        let base = Self.minimal.replacingOccurrences(of: "GENERATOR", with: "_fully_connect").replacingOccurrences(of: "ARGS", with: "{num_node: 3}")
        let none = try parse(base.replacingOccurrences(of: "  net_struct:", with: "  projector: none\n  encoder: none\n  fill: zero\n  residual: [0, 0]\n  net_struct:"))
        #expect(none.projectors.isEmpty && none.encoderWidths == nil && none.fill == .zeros && none.residual == [0, 0])
        #expect(error(base.replacingOccurrences(of: "  net_struct:", with: "  projector: top5\n  net_struct:"))
                == "config.yaml: line 3, network.projector: 'top5' is not a projector; upstream supports lastK, firstK, reshapeK, mlp_A_B and none")
        #expect(error(base.replacingOccurrences(of: "  net_struct:", with: "  fill: mirror\n  net_struct:"))
                == "config.yaml: line 3, network.fill: is 'mirror'; upstream supports zeros, zero and repeat")
    }

    @Test func blockKindFollowsTheTestBench() {
        #expect(BlockKind(testBench: "mnist") == .plain)
        #expect(BlockKind(testBench: "cifar10") == .plain)
        #expect(BlockKind(testBench: "svhn") == .plain)
        #expect(BlockKind(testBench: "twomoon") == .augmented)
        #expect(BlockKind(testBench: "2spirals") == .augmented)
        #expect(BlockKind(testBench: "genmnist") == .augmented)
        #expect(BlockKind(testBench: "potential1") == .augmented)
        #expect(BlockKind(testBench: "potential12") == .augmented)
        #expect(BlockKind(testBench: "potential") == nil)
        #expect(BlockKind(testBench: "imagenet") == nil)
    }

    @Test func encoderAndProjectorWeightsComeFromTheirStateDictKeys() throws {
        // Encoders and projectors exist on upstream's classification path (the plain block) only.
        let net = try CheckpointImporter.importNetwork(checkpoint: TestData.fixture("mlp.pth"), config: TestData.fixture("mlp.yaml"),
                                                       block: .plain)
        let expected = try TestData.expected("mlp.expected.json")
        func values(_ key: String) -> [Double] { expected.tensors.first { $0.key == key }!.values }
        #expect(net.block == .plain && net.family == .shiftTanh1)
        let encoder = try #require(net.encoder)
        #expect(encoder.widths == [2, 4, 3])
        #expect(encoder.weights.map { [$0.rows, $0.columns] } == [[4, 2], [3, 4]])
        #expect(encoder.weights[1].values == values("encoder.net.2.weight"))
        #expect(encoder.biases[0].values == values("encoder.net.0.bias"))
        guard case .mlp(let head)? = net.projectors.first else { Issue.record("no MLP projector"); return }
        #expect(head.weights[0].rows == 2 && head.weights[0].columns == 3)
        #expect(head.weights[0].values == values("projector.0.net.0.weight"))
        #expect(head.biases[0].values == values("projector.0.net.0.bias"))
        #expect(net.projectors.last == .last(1))
    }
}

/// Upstream's generation/density scripts build the augmented network with encoder, projector, residual and fill
/// set to None whatever config.yaml says, so an augmented import carries none of them.
@Test func augmentedImportIgnoresReadoutSettingsAsUpstreamDoes() throws {
    let dir = try TestData.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    try ExampleCheckpoint.write(to: dir)
    let yaml = try String(contentsOf: dir.appendingPathComponent("config.yaml"), encoding: .utf8)
        .replacingOccurrences(of: "network:\n", with: "network:\n  projector: last1\n  fill: repeat\n  residual: [0, 1]\n")
    try yaml.write(to: dir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
    let net = try CheckpointImporter.importNetwork(checkpoint: dir.appendingPathComponent("model.pth"),
                                                   config: dir.appendingPathComponent("config.yaml"))
    #expect(net.block == .augmented)
    #expect(net.projectors.isEmpty && net.fill == nil && net.residual == nil)
    let plain = try CheckpointImporter.importNetwork(checkpoint: dir.appendingPathComponent("model.pth"),
                                                     config: dir.appendingPathComponent("config.yaml"), block: .plain)
    #expect(plain.projectors == [.last(1)] && plain.fill == .repeat && plain.residual == [0, 1])
}

import Foundation
import KNImport
import KNModel
import KNTestSupport
import Testing
@testable import KNEmit

/// The acceptance checks of the behavioral circuits: the published checkpoints, imported with KNImport, run as
/// circuits in real ngspice (B-sources, and the compiled Verilog-A through OSDI) and match `Simulator` `.exact`
/// within 1e-4 model units at every anchor for the 16 reference inputs of `shared/reference/<exp>.json`.
/// The 16 inputs run as 16 copies of the circuit in one netlist, so each case is one ngspice run.
@Suite(.serialized) struct UpstreamCircuitTests {
    static let cases: [(String, SimulatorFlow)] = [("twomoon", .ngspice39BSource), ("twomoon", .ngspice46OSDI),
                                                   ("2spirals", .ngspice39BSource), ("2spirals", .ngspice46OSDI)]

    static func flowAvailable(_ flow: SimulatorFlow) -> Bool {
        switch flow {
        case .ngspice39BSource: return which("ngspice") != nil
        case .ngspice46OSDI: return which("openvaf-r") != nil && (ngspiceMajorVersion() ?? 0) >= 46
        default: return false
        }
    }

    @Test(arguments: cases)
    func referenceInputsMatchExactSimulatorAtEveryAnchor(_ experiment: String, _ flow: SimulatorFlow) throws {
        guard let files = SharedData.upstream(experiment), let ref = try SharedData.reference(experiment) else {
            print(SharedData.missingReason); return
        }
        guard Self.flowAvailable(flow) else {
            print("\(flow.rawValue) is not installed here (run flows/ngspice46-osdi.sh); skipping"); return
        }
        let network = try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
        let inputs = try #require(ref["inputs"] as? [[Double]])
        #expect(inputs.count == 16)
        let dir = try Fixtures.temporaryFolder("\(experiment)-\(flow.rawValue)")
        let start = Date()
        let result = try CircuitVerifier.verify(network: network, inputs: inputs, flow: flow, scaling: .standard,
                                                folder: dir, tolerance: 1e-4,
                                                runner: FlowRunner(flow: flow, ngspice: NgspiceRunner(executable: Fixtures.ngspice.executable, timeout: 900)))
        let wall = Date().timeIntervalSince(start)
        print("\(experiment) \(flow.rawValue): \(String(format: "%.2f", wall)) s in all, ngspice \(String(format: "%.2f", result.simulatorSeconds)) s")
        print(result.table())
        #expect(result.reports.count == 16)
        #expect(result.reports.allSatisfy { $0.rows.count == network.anchors.count * 2 })
        let passed = result.passed, table = result.table()
        #expect(passed, "\(table)")
        // The circuits must move the state, or the comparison would prove little.
        let moved = result.reports.map { r in r.rows.filter { $0.anchor == network.anchors.count - 1 }.map(\.expected) }
        #expect(zip(moved, inputs).contains { abs($0[0] - $1[0]) > 0.1 })
    }
}

/// A self-contained slice of mnist: the first 2,000 edges of layer 0 (node numbers kept) with their parameters,
/// as a one-layer network over layer 0's span, started from the first reference image.
@Suite(.serialized) struct MnistSliceCircuitTests {
    static func slice(edges count: Int) throws -> (Network, [Double])? {
        guard let files = SharedData.upstream("mnist"), let ref = try SharedData.reference("mnist") else { return nil }
        let full = try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
        let net = try full.subnetwork(layer: 0, edges: Array(0..<count))
        let sliced = net.layers[0]
        let image = try #require((ref["inputs_float"] as? [[Double]])?.first)
        let n = sliced.nodeCount
        let input = n <= image.count ? Array(image[0..<n]) : image + [Double](repeating: 0, count: n - image.count)
        return (net, input)
    }

    @Test(arguments: [SimulatorFlow.ngspice46OSDI, .ngspice39BSource])
    func firstTwoThousandEdgesOfLayer0PassVerify(_ flow: SimulatorFlow) throws {
        guard let (net, input) = try Self.slice(edges: 2000) else { print(SharedData.missingReason); return }
        guard UpstreamCircuitTests.flowAvailable(flow) else { print("\(flow.rawValue) is not installed here; skipping"); return }
        let dir = try Fixtures.temporaryFolder("mnist-slice-\(flow.rawValue)")
        let start = Date()
        let result = try CircuitVerifier.verify(network: net, inputs: [input], flow: flow, folder: dir, tolerance: 1e-4,
                                                runner: FlowRunner(flow: flow, ngspice: NgspiceRunner(executable: Fixtures.ngspice.executable, timeout: 900)))
        print("mnist slice (\(net.layers[0].edgeCount) edges, \(net.layers[0].nodeCount) nodes) \(flow.rawValue): \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        print(result.table())
        let passed = result.passed, table = result.table()
        #expect(passed, "\(table)")
        // The slice must move some node by more than the tolerance many times over.
        let moved = result.reports[0].rows.filter { $0.anchor == 1 }.map { abs($0.expected - input[$0.node - 1]) }.max() ?? 0
        #expect(moved > 0.01)
    }
}

/// The VACASK flow: the Verilog-A edge module compiled by OpenVAF-Reloaded and run in VACASK, read back from its
/// rawfile, on twomoon's 16 reference inputs.
@Suite struct VacaskCircuitTests {
    @Test(.enabled(if: which("vacask") != nil && which("openvaf-r") != nil, "vacask/openvaf-r are not installed; run flows/ngspice46-osdi.sh"))
    func twomoonMatchesExactSimulatorInVACASK() throws {
        guard let files = SharedData.upstream("twomoon"), let ref = try SharedData.reference("twomoon") else {
            print(SharedData.missingReason); return
        }
        let network = try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
        let inputs = try #require(ref["inputs"] as? [[Double]])
        let dir = try Fixtures.temporaryFolder("twomoon-vacask")
        let result = try CircuitVerifier.verify(network: network, inputs: inputs, flow: .vacask, folder: dir, tolerance: 1e-4)
        print(result.table())
        let passed = result.passed, table = result.table()
        #expect(passed, "\(table)")
        #expect(result.netlists.allSatisfy { $0.url.pathExtension == "sim" && $0.rawfile.lastPathComponent.hasPrefix("tran_verify") })
    }
}

import Foundation
import KNTestSupport
import KNModel
import Testing
@testable import KNEmit

/// Writing an mnist-size network (upstream's `_mix_connect(1, 28, 28, 4, 50)`, 2 layers, 460,136 edges).
@Suite struct ScaleTests {
    static func residentKiB() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    @Test func mnistSizeNetlistStreamsWithinTimeAndMemory() throws {
        let gen = TopologyGenerator.mixConnect(.init(numChannel: 1, width: 28, height: 28, neighborSize: 4),
                                               fullyConnectNode: 50, repeat: [1, 1])
        let edges = try gen.generate()
        #expect(edges.count == 230_068)
        var rng = SplitMix64(state: 42)
        var layers: [Layer] = []
        for _ in 0..<2 {
            let values = (0..<(2 * edges.count)).map { _ in rng.uniform(-0.5, 0.5) }
            layers.append(Layer(generator: gen, edges: edges, parameters: ParameterMatrix(rows: 2, columns: edges.count, values: values)))
        }
        let net = Network(family: .shiftRelu1, layers: layers, anchors: [0, 1, 2], block: .plain, fill: .zeros)
        let inputs = (0..<784).map { _ in rng.uniform(0, 1) }
        // KN_SCALE_NETLIST keeps the netlist at that path (to time ngspice on it by hand).
        let keep = ProcessInfo.processInfo.environment["KN_SCALE_NETLIST"].map { URL(fileURLWithPath: $0) }
        let url = try keep ?? Fixtures.temporaryFolder("mnist").appendingPathComponent("mnist.cir")
        let start = Date()
        let plan = try CircuitPlan(network: net, scaling: .behavioralDefault, inputs: inputs)
        try NgspiceBehavioralWriter.write(plan, to: url)
        let seconds = Date().timeIntervalSince(start)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        let rss = Self.residentKiB()
        print("mnist-size netlist: \(edges.count * 2) edges, \(size) bytes in \(seconds) s, peak RSS \(rss / 1024) MiB")
        #expect(seconds <= 10)
        #expect(rss <= 1 << 20)
        // Every edge became one term: a one-edge B-source line, or a continuation line of a B-source that sums
        // the parallel edges of one node pair.
        var count = 0
        try String(contentsOf: url, encoding: .utf8).enumerateLines { line, _ in
            if line.hasPrefix("B") && !line.hasSuffix("(") { count += 1 }
            if line.hasPrefix("+ ") && line != "+ )" { count += 1 }
        }
        #expect(count == 460_136)
        if keep == nil { try FileManager.default.removeItem(at: url) }
    }
}

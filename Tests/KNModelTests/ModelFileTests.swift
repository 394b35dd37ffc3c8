import Foundation
import Testing
@testable import KNModel

struct ModelFileTests {
    func sampleNetwork(precision: StoragePrecision) throws -> Network {
        let gen = TopologyGenerator.fullyConnect(numNode: 3, includeGround: true, repeat: [2, 1])
        let edges = try gen.generate()
        var rng = SystemRandomNumberGenerator()
        let values = (0..<(3 * edges.count)).map { _ in
            precision.decode(precision.encode([Double.random(in: -2...2, using: &rng)]).withUnsafeBytes { $0 }, count: 1)[0]
        }
        let layer = Layer(generator: gen, edges: edges,
                          parameters: ParameterMatrix(rows: 3, columns: edges.count, values: values, precision: precision))
        return Network(family: .shiftTanh2, layers: [layer, layer], anchors: [0, 0.5, 1], block: .augmented,
                       projectors: [.last(2)], solver: SolverSettings(tolerance: 1e-4), testBench: "twomoon")
    }

    @Test(arguments: [StoragePrecision.float16, .bfloat16, .float32, .float64])
    func roundTripIsLossless(precision: StoragePrecision) throws {
        let net = try sampleNetwork(precision: precision)
        let data = try ModelFile.encode(net)
        let back = try ModelFile.decode(data)
        #expect(back == net)
        #expect(try ModelFile.encode(back) == data)
    }

    @Test func truncatedFileIsRejectedWithItsPath() throws {
        let data = try ModelFile.encode(try sampleNetwork(precision: .float32))
        #expect {
            try ModelFile.decode(data.prefix(data.count - 10), path: "net.knm")
        } throws: { error in
            "\(error)".hasPrefix("net.knm: layer 1 parameters") && "\(error)".contains("truncated")
        }
    }

    @Test func halfPrecisionDecodesExactly() {
        #expect(StoragePrecision.halfToDouble(0x3C00) == 1)
        #expect(StoragePrecision.halfToDouble(0xC000) == -2)
        #expect(StoragePrecision.halfToDouble(0x0001) == 0x1p-24)
        #expect(StoragePrecision.halfToDouble(0x7BFF) == 65504)
        #expect(StoragePrecision.doubleToHalf(65504) == 0x7BFF)
        #expect(StoragePrecision.doubleToHalf(0x1p-24) == 0x0001)
    }
}

import Testing
@testable import KNModel

/// Edge lists checked against upstream's `topology.py` as TOPOLOGY.md documents it.
struct TopologyGeneratorTests {
    @Test func fullyConnectEmitsUpstreamOrderAndCount() throws {
        let list = try TopologyGenerator.fullyConnect(numNode: 3, includeGround: true, repeat: [25, 25]).generate()
        #expect(list.count == 300)
        #expect(list.maxNode == 2)
        // (0,1)x25 (1,0)x25 (0,2)x25 (2,0)x25 (1,0)x25 (0,1)x25 ...
        #expect(list.src[0] == 0 && list.des[0] == 1)
        #expect(list.src[25] == 1 && list.des[25] == 0)
        #expect(list.src[50] == 0 && list.des[50] == 2)
        #expect(list.src[100] == 1 && list.des[100] == 0)
        #expect(list.src[299] == 1 && list.des[299] == 2)
        #expect(list.parameterCount == 300)
    }

    @Test func mixConnectReproducesMnistEdgeCount() throws {
        let args = TopologyGenerator.NeighborArguments(numChannel: 1, width: 28, height: 28, neighborSize: 4)
        let list = try TopologyGenerator.mixConnect(args, fullyConnectNode: 50, repeat: [1, 1]).generate()
        #expect(list.count == 230_068)
        #expect(list.maxNode == 834)
        // First patch (0,0): node_j for j = kr*4+kc is 1 + 28*kr + kc; pairs (j, l≠j) in order.
        #expect(list.src[0] == 1 && list.des[0] == 2)
        #expect(list.src[15] == 2 && list.des[15] == 1)
        // Ground edges start after 150000 patch edges: (1 -> 0), (0 -> 1).
        #expect(list.src[150_000] == 1 && list.des[150_000] == 0)
        #expect(list.src[150_001] == 0 && list.des[150_001] == 1)
        // Hidden node 785 first connects from ground.
        #expect(list.src[151_568] == 0 && list.des[151_568] == 785)
        #expect(list.src[151_569] == 785 && list.des[151_569] == 0)
    }

    @Test func genmnistNeighborCountMatchesUpstreamTable() throws {
        let args = TopologyGenerator.NeighborArguments(numChannel: 1, width: 28, height: 28, neighborSize: 3)
        let list = try TopologyGenerator.mixConnect(args, fullyConnectNode: 0, repeat: [1, 1]).generate()
        #expect(list.count == 50_240)
    }

    @Test func paddingDropsPairsTouchingPaddedZeros() throws {
        let args = TopologyGenerator.NeighborArguments(numChannel: 1, width: 2, height: 2, neighborSize: 2, padding: true)
        let list = try TopologyGenerator.neighborIndex(args).generate()
        // 3x3 patch positions over a 2x2 image padded by 1; each patch holds 1, 2 or 4 real nodes:
        // corners 1 node (0 pairs), edges 2 nodes (2 pairs), centre 4 nodes (12 pairs).
        #expect(list.count == 4 * 0 + 4 * 2 + 12)
        #expect(!list.src.contains(0) && !list.des.contains(0))
    }

    @Test func sharingReusesParameterIndicesAcrossPatches() throws {
        let args = TopologyGenerator.NeighborArguments(numChannel: 1, width: 3, height: 3, neighborSize: 2, sharing: true)
        let list = try TopologyGenerator.neighborIndex(args).generate()
        #expect(list.count == 4 * 12)
        #expect(list.parameterCount == 12)
        #expect(Array(list.parameterIndex[0..<12]) == Array(list.parameterIndex[12..<24]))
    }

    @Test func parallelShiftsNodesAndIndices() throws {
        let args = TopologyGenerator.NeighborArguments(numChannel: 1, width: 2, height: 2, neighborSize: 2, parallel: 2)
        let list = try TopologyGenerator.neighborIndex(args).generate()
        #expect(list.count == 24)
        #expect(list.src[12] == list.src[0] + 4)
        #expect(list.parameterIndex[12] == 12)
        #expect(list.parameterCount == 24)
    }

    @Test func pregivenFollowsUpstreamIncludingGroundSelfLoops() throws {
        // One graph edge 0-1, two node features.
        let list = try TopologyGenerator.pregiven(sourceEdgeIndex: [[0], [1]], numNodeFeature: 2,
                                                  repeatAcrossLayer: 1, repeatWithinLayer: 1,
                                                  repeatToGround: 1).generate()
        // (1,2),(2,1), copy +2: (3,4),(4,3), across: (1,3),(2,4), ground for j in 0..<4: (j,0),(0,j).
        let pairs = zip(list.src, list.des).map { [Int($0), Int($1)] }
        #expect(pairs == [[1, 2], [2, 1], [3, 4], [4, 3], [1, 3], [2, 4],
                          [0, 0], [0, 0], [1, 0], [0, 1], [2, 0], [0, 2], [3, 0], [0, 3]])
    }

    @Test func simpleConnectChainsNodes() throws {
        let list = try TopologyGenerator.simpleConnect(numNode: 3, includeGround: true, repeat: [2, 0]).generate()
        #expect(zip(list.src, list.des).map { [Int($0), Int($1)] } == [[0, 1], [0, 1], [1, 2], [1, 2], [2, 3], [2, 3]])
    }

    @Test func badArgumentsAreRejectedWithTheirName() {
        #expect(throws: ModelError.invalid("_fully_connect.repeat", "must be [r0, r1] with non-negative counts, got [-1, 2]")) {
            try TopologyGenerator.fullyConnect(numNode: 3, includeGround: true, repeat: [-1, 2]).generate()
        }
    }
}

/// A mistyped size is refused before memory runs out, and the bound never undercounts real networks.
struct TopologySizeLimitTests {
    @Test func hugeFullyConnectIsRefusedBeforeAllocating() {
        #expect {
            try TopologyGenerator.fullyConnect(numNode: 10_000_000, includeGround: true, repeat: [1, 1]).generate()
        } throws: { error in
            "\(error)".hasPrefix("_fully_connect: would generate about 2e+14 edges per layer")
        }
    }

    @Test func boundCoversEveryGenerator() throws {
        let neighbor = TopologyGenerator.NeighborArguments(numChannel: 1, width: 28, height: 28, neighborSize: 4)
        let padded = TopologyGenerator.NeighborArguments(numChannel: 2, width: 5, height: 4, neighborSize: 3, padding: true,
                                                         kernelRepeat: 2, parallel: 2)
        let generators: [TopologyGenerator] = [
            .fullyConnect(numNode: 3, includeGround: true, repeat: [25, 25]),
            .simpleConnect(numNode: 4, includeGround: false, repeat: [2, 0]),
            .neighborIndex(padded),
            .mixConnect(neighbor, fullyConnectNode: 50, repeat: [1, 1]),
            .pregiven(sourceEdgeIndex: [[0, 1, 2], [1, 2, 0]], numNodeFeature: 3, repeatAcrossLayer: 2,
                      repeatWithinLayer: 2, repeatToGround: 1),
        ]
        for g in generators {
            let count = try g.generate().count
            #expect(Double(count) <= g.edgeCountBound, "\(g.upstreamName): \(count) > \(g.edgeCountBound)")
        }
        #expect(TopologyGenerator.mixConnect(neighbor, fullyConnectNode: 50, repeat: [1, 1]).edgeCountBound == 230_068)
    }
}

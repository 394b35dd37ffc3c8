import KNModel
import KNTestSupport
import Testing
@testable import KNSimulate

/// Families whose currents are smooth, so finite differences apply everywhere.
private let smoothFamilies: [EdgeFamily] = [
    .shiftTanh1, .shiftTanh2, .conductance, .device(negation: false, activation: .sigmoid),
    .device(negation: true, activation: .softplus),
]
private let allFamilies: [EdgeFamily] = smoothFamilies + [
    .shiftRelu1, .shiftRelu2, .shiftLeakyRelu1, .shiftLeakyRelu2, .device(negation: true, activation: .elu),
]

private func randomState(_ n: Int, seed: UInt64) -> [Double] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in rng.uniform(-1.5, 1.5) }
}

@Test(arguments: allFamilies)
func rightHandSideMatchesPerNodeKCLSums(family: EdgeFamily) throws {
    let layer = try Fixtures.layer(.fullyConnect(numNode: 5, includeGround: true, repeat: [2, 3]), family: family, seed: 11)
    let kernel = try LayerKernel(layer: layer, family: family)
    var ws = KernelWorkspace()
    let v = randomState(4, seed: 5)
    let expected = Reference.derivative(layer, family, v + [0], capacitance: nil)
    let (dv, trace) = kernel.rightHandSideAndTrace(v, workspace: &ws)
    #expect(maxAbsDifference(dv, Array(expected.dropLast())) < 1e-12)
    #expect(abs(-trace - expected.last!) < 1e-12)
    #expect(maxAbsDifference(kernel.rightHandSide(v, workspace: &ws), dv) == 0)
}

@Test(arguments: smoothFamilies)
func traceMatchesFiniteDifferenceJacobian(family: EdgeFamily) throws {
    let layer = try Fixtures.layer(.fullyConnect(numNode: 5, includeGround: true, repeat: [2, 2]), family: family, seed: 3)
    let capacitance = [0.5, 2.0, 1.0, 0.25]
    let kernel = try LayerKernel(layer: layer, family: family, capacitance: capacitance)
    var ws = KernelWorkspace()
    let v = randomState(4, seed: 9)
    let h = 1e-5
    var fdTrace = 0.0
    for k in 0..<4 {
        var up = v, down = v
        up[k] += h
        down[k] -= h
        fdTrace += (kernel.rightHandSide(up, workspace: &ws)[k] - kernel.rightHandSide(down, workspace: &ws)[k]) / (2 * h)
    }
    let trace = kernel.rightHandSideAndTrace(v, workspace: &ws).trace
    #expect(abs(trace - fdTrace) < 1e-7 * max(1, abs(trace)))
}

@Test func traceIgnoresSelfLoopsAtGroundAndAtNodes() throws {
    // Edges: 0→0 (ground self-loop), 1→1 (node self-loop), 1→2, 2→0.
    let edges = EdgeList(src: [0, 1, 1, 2], des: [0, 1, 2, 0])
    let values: [Double] = [0.7, 0.4, -0.3, 0.9, /* p1 */ 0.2, -0.8, 0.5, 0.3, /* p2 */ 0.1, 0.6, -0.2, 0.4]
    let layer = Layer(generator: nil, edges: edges, parameters: ParameterMatrix(rows: 3, columns: 4, values: values))
    let kernel = try LayerKernel(layer: layer, family: .shiftTanh2)
    var ws = KernelWorkspace()
    let v = [0.3, -0.7]
    let h = 1e-6
    var fd = 0.0
    for k in 0..<2 {
        var up = v, down = v
        up[k] += h
        down[k] -= h
        fd += (kernel.rightHandSide(up, workspace: &ws)[k] - kernel.rightHandSide(down, workspace: &ws)[k]) / (2 * h)
    }
    #expect(abs(kernel.rightHandSideAndTrace(v, workspace: &ws).trace - fd) < 1e-8)
}

@Test(arguments: smoothFamilies)
func sparseJacobianMatchesFiniteDifferences(family: EdgeFamily) throws {
    let layer = try Fixtures.layer(.fullyConnect(numNode: 4, includeGround: true, repeat: [1, 2]), family: family, seed: 21)
    let capacitance = [0.3, 1.7, 0.9]
    let kernel = try LayerKernel(layer: layer, family: family, capacitance: capacitance)
    var ws = KernelWorkspace()
    let v = randomState(3, seed: 2)
    let jac = kernel.jacobian(v, workspace: &ws)
    let h = 1e-6
    for col in 0..<3 {
        var up = v, down = v
        up[col] += h
        down[col] -= h
        let fu = kernel.rightHandSide(up, workspace: &ws), fdn = kernel.rightHandSide(down, workspace: &ws)
        for row in 0..<3 {
            let fd = (fu[row] - fdn[row]) / (2 * h)
            #expect(abs(jac[row, col] - fd) < 1e-7, "J[\(row), \(col)] = \(jac[row, col]), finite difference \(fd)")
        }
    }
    // Every diagonal entry is in the pattern, as KLU's I − γJ needs.
    for j in 0..<3 { #expect(jac.rowIndices[jac.columnStarts[j]..<jac.columnStarts[j + 1]].contains(j)) }
}

@Test func kernelRejectsCapacitancesOfTheWrongLengthOrSign() throws {
    let layer = try Fixtures.layer(.fullyConnect(numNode: 3, includeGround: true, repeat: [1, 1]), family: .shiftTanh2, seed: 1)
    #expect(throws: SimulationError.self) { try LayerKernel(layer: layer, family: .shiftTanh2, capacitance: [1]) }
    #expect(throws: SimulationError.self) { try LayerKernel(layer: layer, family: .shiftTanh2, capacitance: [1, 0]) }
}

@Test func float32ExactParametersUseTheNarrowColumnsWithTheSameResult() throws {
    var layer = try Fixtures.layer(.fullyConnect(numNode: 5, includeGround: true, repeat: [2, 2]), family: .shiftRelu1, seed: 8)
    layer.parameters.values = layer.parameters.values.map { Double(Float($0)) }
    let kernel = try LayerKernel(layer: layer, family: .shiftRelu1)
    guard case .float32 = kernel.parameters else {
        Issue.record("float32-exact parameters should be stored as Float")
        return
    }
    var ws = KernelWorkspace()
    let v = randomState(4, seed: 4)
    let expected = Reference.derivative(layer, .shiftRelu1, v + [0], capacitance: nil)
    let (dv, trace) = kernel.rightHandSideAndTrace(v, workspace: &ws)
    #expect(maxAbsDifference(dv, Array(expected.dropLast())) < 1e-12)
    #expect(abs(-trace - expected.last!) < 1e-12)
}

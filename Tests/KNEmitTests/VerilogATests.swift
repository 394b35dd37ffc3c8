import Foundation
import KNModel
import Testing
@testable import KNEmit

/// Locates a tool on PATH (the OSDI flow needs ngspice ≥ 46 and openvaf-r from flows/ngspice46-osdi.sh).
func which(_ name: String) -> URL? {
    for d in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let u = URL(fileURLWithPath: String(d)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: u.path) { return u }
    }
    return nil
}

/// The ngspice major version on PATH, if any.
func ngspiceMajorVersion() -> Int? {
    guard let bin = which("ngspice") else { return nil }
    let p = Process()
    p.executableURL = bin
    p.arguments = ["-v"]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    guard (try? p.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard let r = text.range(of: "ngspice-") else { return nil }
    return Int(text[r.upperBound...].prefix(while: \.isNumber))
}

/// Runs a command and returns its exit status and output.
func run(_ bin: URL, _ args: [String], in dir: URL) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = bin
    p.arguments = args
    p.currentDirectoryURL = dir
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct VerilogATests {
    static let families: [EdgeFamily] = [.shiftTanh1, .shiftTanh2, .shiftRelu1, .shiftRelu2, .shiftLeakyRelu1,
                                         .shiftLeakyRelu2, .conductance, .device(negation: true, activation: .sigmoid),
                                         .device(negation: false, activation: .softplus)]

    @Test(arguments: families)
    func edgeModuleHasInstanceParametersAndOneContribution(_ family: EdgeFamily) {
        let text = VerilogAWriter.edgeModule(family)
        #expect(text.contains("module \(VerilogAWriter.moduleName(family))(s, d, g);"))
        for p in 0..<family.parameterRows {
            #expect(text.contains("(* type=\"instance\" *) parameter real p\(p) = 0.0;"))
        }
        #expect(text.components(separatedBy: "<+").count == 2)
        for banned in ["$abstime", "@(", "transition(", "timer("] { #expect(!text.contains(banned)) }
    }

    @Test func osdiNetlistHasOneInstancePerEdgeAndLoadsTheLibrary() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftTanh2, repeat: 1, seed: 5, ranges: [(-1, 1), (-1, 1), (-1, 1)])
        let plan = try CircuitPlan(network: net, scaling: .behavioralDefault, inputs: [0.3, -0.2])
        let url = try Fixtures.temporaryFolder("osdi-text").appendingPathComponent("net.cir")
        try NgspiceBehavioralWriter.write(plan, to: url, view: .osdi(library: "kn_shifttanh2.osdi"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains("pre_osdi kn_shifttanh2.osdi"))
        #expect(lines.contains(".model kn_edge kn_shifttanh2 alpha=0.1 beta=1e-06 vcm=0.9"))
        let instances = lines.filter { $0.hasPrefix("N") }
        #expect(instances.count == net.edgeCount)
        // Edge 0 of layer 0 is upstream's first edge, 0 → 1.
        #expect(instances.first?.hasPrefix("N0_0 n0 n1 g0 kn_edge p0=\(net.layers[0].parameters[0, 0]) ") == true)
        #expect(!lines.contains { $0.hasPrefix("B") })
    }

    @Test func structuralModuleInstantiatesEveryEdge() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftRelu1, repeat: 1, seed: 9, ranges: [(-1, 1), (-1, 1)])
        let plan = try CircuitPlan(network: net, scaling: .behavioralDefault, inputs: [0.3, -0.2])
        let url = try Fixtures.temporaryFolder("structural").appendingPathComponent("net.va")
        try VerilogAWriter.writeStructural(plan, edgeModuleFile: "kn_shiftrelu1.va", to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("module kn_network(n1, n2);"))
        #expect(text.components(separatedBy: "    kn_shiftrelu1 #(").count - 1 == net.edgeCount)
        #expect(text.contains("kn_gate #(.t_on(\(TextSink.format(plan.anchorTimes[1])))"))
        #expect(text.contains("alpha = 0.1 V/unit"))
    }

    /// Compiles every edge module with OpenVAF-Reloaded (installed by flows/ngspice46-osdi.sh).
    @Test(.enabled(if: which("openvaf-r") != nil, "openvaf-r is not installed; run flows/ngspice46-osdi.sh"),
          arguments: families)
    func edgeModuleCompilesWithOpenVAF(_ family: EdgeFamily) throws {
        let dir = try Fixtures.temporaryFolder("openvaf")
        let va = dir.appendingPathComponent(VerilogAWriter.moduleName(family) + ".va")
        try VerilogAWriter.writeEdgeModule(family, to: va)
        let (status, log) = try run(which("openvaf-r")!, [va.lastPathComponent], in: dir)
        #expect(status == 0, "\(log)")
        #expect(FileManager.default.fileExists(atPath: va.deletingPathExtension().appendingPathExtension("osdi").path), "\(log)")
    }

    /// The OSDI view in ngspice 46 against the same RK4 reference as the B-source view.
    @Test(.enabled(if: which("openvaf-r") != nil && (ngspiceMajorVersion() ?? 0) >= 46,
                   "needs openvaf-r and ngspice >= 46 with OSDI; run flows/ngspice46-osdi.sh"))
    func osdiViewMatchesRK4AtEveryAnchor() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftTanh2, seed: 7, ranges: [(-1.5, 1.5), (-1.5, 1.5), (-0.5, 0.5)])
        let scaling = ChipScaling.behavioralDefault
        let dir = try Fixtures.temporaryFolder("osdi-run")
        let va = dir.appendingPathComponent("kn_shifttanh2.va")
        try VerilogAWriter.writeEdgeModule(.shiftTanh2, scaling: scaling, to: va)
        let (status, log) = try run(which("openvaf-r")!, [va.lastPathComponent], in: dir)
        try #require(status == 0, "\(log)")
        let inputs = [0.8, -0.6]
        let plan = try CircuitPlan(network: net, scaling: scaling, inputs: inputs)
        let result = try NgspiceFlow.simulate(plan, netlist: dir.appendingPathComponent("net.cir"),
                                              view: .osdi(library: "kn_shifttanh2.osdi"), runner: NgspiceRunner(timeout: 120))
        let report = try result.verify(against: RK4Reference.anchors(net, inputs: inputs), tolerance: 1e-4)
        print(report.table())
        #expect(report.passed, "\(report.table())")
    }
}

import Foundation
import KNModel
import Testing
@testable import KNEmit

/// The Verilog-A files parsed by ADMS (`admsXml`, Debian package `adms` 2.3.7): every edge module, and the
/// structural top level with its gates and instances. ADMS only parses here (no code generation script).
@Suite struct AdmsTests {
    static var available: Bool { which("admsXml") != nil }

    func parse(_ file: URL) throws -> (Int32, String) {
        try run(which("admsXml")!, [file.lastPathComponent], in: file.deletingLastPathComponent())
    }

    static func accepted(_ status: Int32, _ log: String) -> Bool {
        status == 0 && !log.contains("[fatal") && !log.contains("[error")
    }

    @Test(.enabled(if: available, "admsXml is not installed (apt-get install adms)"), arguments: FamilyCurrentTests.families)
    func edgeModuleParsesWithADMS(_ family: EdgeFamily) throws {
        let dir = try Fixtures.temporaryFolder("adms-edge")
        let va = dir.appendingPathComponent(VerilogAWriter.moduleName(family) + ".va")
        try VerilogAWriter.writeEdgeModule(family, scaling: .standard, to: va)
        let (status, log) = try parse(va)
        #expect(Self.accepted(status, log), "\(log)")
    }

    @Test(.enabled(if: available, "admsXml is not installed (apt-get install adms)"))
    func structuralTopLevelParsesWithADMS() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftTanh2, repeat: 1, seed: 9, ranges: [(-1, 1), (-1, 1), (-1, 1)])
        let plan = try CircuitPlan(network: net, scaling: .standard, inputs: [0.3, -0.2])
        let dir = try Fixtures.temporaryFolder("adms-top")
        let files = try NetlistEmitter.write(.verilogA, plans: [plan], batched: false, to: dir.appendingPathComponent("network.va"))
        #expect(files.map(\.lastPathComponent) == ["network.va", "kn_shifttanh2.va"])
        let (status, log) = try parse(files[0])
        #expect(Self.accepted(status, log), "\(log)")
    }

    /// ADMS rejects the event form the gate used before (`@(timer(…))`), which is why the gate uses `$abstime`.
    @Test(.enabled(if: available, "admsXml is not installed (apt-get install adms)"))
    func admsRejectsTimerEventsSoTheGateAvoidsThem() throws {
        let dir = try Fixtures.temporaryFolder("adms-timer")
        let va = dir.appendingPathComponent("timer.va")
        try Data("""
        `include "disciplines.vams"
        module g(x);
            output x; electrical x;
            real level;
            analog begin
                @(timer(1e-9)) level = 1.0;
                V(x) <+ level;
            end
        endmodule

        """.utf8).write(to: va)
        let (status, log) = try parse(va)
        #expect(!Self.accepted(status, log), "ADMS now accepts timer events; the gate may use them again: \(log)")
    }
}

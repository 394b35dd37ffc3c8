import Foundation
import Testing
import KNProcess
import KNTestSupport
@testable import KNMap

@Suite("Cell templates")
struct CellTemplateTests {
    /// templates/cells/<kind>.sp is exactly the rendering of the kind the mapper sizes (set KN_WRITE_TEMPLATES=1
    /// to rewrite the files after changing a cell).
    @Test(arguments: ["tanh2", "relu2"])
    func templateFileIsTheMappersTopology(kind name: String) throws {
        let (catalog, _) = try catalog("sky130")
        let kind = Mapper(catalog: catalog).kind(named: name)
        let file = SharedData.repositoryRoot.appendingPathComponent("templates/cells/\(kind.template)")
        let rendered = CellTemplate.render(kind)
        if ProcessInfo.processInfo.environment["KN_WRITE_TEMPLATES"] != nil {
            try rendered.write(to: file, atomically: true, encoding: .utf8)
        }
        let stored = try String(contentsOf: file, encoding: .utf8)
        #expect(stored == rendered)
        // Every slot is a device line and every bias a current source.
        #expect(stored.split(separator: "\n").filter { $0.hasPrefix("X") }.count == kind.slots.count)
        #expect(stored.split(separator: "\n").filter { $0.hasPrefix("I") }.count == kind.biases.count)
    }

    /// Every net of a cell is driven by at least two device terminals or is a port (no dangling nets).
    @Test(arguments: ["tanh2", "relu2"])
    func everyInternalNetConnectsTwoDevices(kind name: String) throws {
        let (catalog, _) = try catalog("sky130")
        let kind = Mapper(catalog: catalog).kind(named: name)
        var uses: [String: Int] = [:]
        for slot in kind.slots { for net in [slot.drain, slot.gate, slot.source] { uses[net, default: 0] += 1 } }
        for bias in kind.biases { uses[bias.net, default: 0] += 1 }
        let ports = Set(kind.cellPorts + kind.globalPorts)
        let dangling = uses.filter { !ports.contains($0.key) && $0.value < 2 }.map(\.key)
        #expect(dangling.isEmpty, "dangling nets: \(dangling)")
    }
}

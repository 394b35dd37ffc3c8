import Foundation
import Testing
@testable import KNProcess

@Suite("Process descriptions in pdk/ against pdk/kn-pdk.xsd")
struct ProcessDescriptionTests {
    @Test("sky130.xml validates and reads the 1.8 V devices with their units")
    func sky130ValidatesAndReads() throws {
        let process = try ProcessDescription.load(contentsOf: Repository.description("sky130"))
        #expect(process.name == "sky130")
        #expect(process.vdd.nominal == 1.8)
        #expect(process.commonModeVoltage == 1.0)
        #expect(process.defaultCorner.name == "tt")
        #expect(process.corners.map(\.name) == ["tt", "ff", "ss", "fs", "sf"])
        #expect(process.options == [NetlistOption(name: "scale", value: "1.0u")])
        #expect(process.mismatchSwitch?.name == "mc_mm_switch")
        #expect(process.mismatchSwitch?.onValue == 1)
        let nfet = try process.device("nfet")
        #expect(nfet.model == "sky130_fd_pr__nfet_01v8")
        #expect(nfet.polarity == .n)
        #expect(nfet.terminals == [.drain, .gate, .source, .bulk])
        #expect(nfet.scale == 1e-6)
        #expect(nfet.length.minimum == 0.15)
        #expect(!nfet.multiplierScalesCurrent)
        #expect(nfet.instanceValue(micrometres: 0.5) == "0.5")
        #expect(nfet.instanceLine(name: "1", drain: "d", gate: "g", source: "s", bulk: "b", widthUm: 2, lengthUm: 0.5)
                == "X1 d g s b sky130_fd_pr__nfet_01v8 w=2 l=0.5")
        #expect(try process.device("pfet_01v8").polarity == .p)
        #expect(process.capacitors.first?.model == "sky130_fd_pr__cap_mim_m3_1")
        #expect(process.capacitors.first?.unitCountParameter == "mf")
    }

    @Test("gf180mcu.xml validates and maps nfet_03v3 to the nmos_3p3 subcircuit in metres")
    func gf180ValidatesAndReads() throws {
        let process = try ProcessDescription.load(contentsOf: Repository.description("gf180mcu"))
        #expect(process.vdd.nominal == 3.3)
        #expect(process.mismatchSwitch?.name == "sw_stat_mismatch")
        #expect(process.defaultCorner.files == [ModelFile(path: "sm141064.ngspice", section: "typical")])
        let nfet = try process.device("nfet_03v3")
        #expect(nfet.model == "nmos_3p3")
        #expect(nfet.scale == 1)
        #expect(nfet.instanceValue(micrometres: 0.5) == "5e-07")
        #expect(nfet.internalDevicePath(instance: "XN1") == "m.xn1.m0")
        #expect(nfet.modelMismatch.aVTmVum == 7.148)
    }

    @Test("a corrupted copy fails validation with the line of the corruption and the rule")
    func corruptedCopyReportsLine() throws {
        let original = try String(contentsOf: Repository.description("sky130"), encoding: .utf8)
        var lines = original.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains("<commonMode nominal=") })
        lines[index] = lines[index].replacingOccurrences(of: "nominal=\"1.0\"", with: "nominal=\"one volt\"")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("sky130.xml")
        try lines.joined(separator: "\n").write(to: copy, atomically: true, encoding: .utf8)

        do {
            _ = try ProcessDescription.load(contentsOf: copy, schema: Repository.schema)
            Issue.record("the corrupted copy validated")
        } catch let ProcessError.schemaViolation(file, schema, issues) {
            #expect(file == copy.path)
            #expect(schema == "kn-pdk.xsd")
            let issue = try #require(issues.first)
            #expect(issue.line == index + 1)
            #expect(issue.message.contains("nominal"))
            #expect(issue.message.contains("double"))
            let text = ProcessError.schemaViolation(file: file, schema: schema, issues: issues).description
            #expect(text.contains("\(copy.path):\(index + 1):"))
        }
    }

    @Test("a missing required element is reported where the next element stands, naming the expected one")
    func missingElementReportsLine() throws {
        let original = try String(contentsOf: Repository.description("gf180mcu"), encoding: .utf8)
        var lines = original.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains("<maxVoltage") })
        lines.remove(at: index)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("gf180mcu.xml")
        try lines.joined(separator: "\n").write(to: copy, atomically: true, encoding: .utf8)
        #expect {
            _ = try ProcessDescription.load(contentsOf: copy, schema: Repository.schema)
        } throws: { error in
            guard case let ProcessError.schemaViolation(_, _, issues) = error else { return false }
            // libxml2 names the element that came instead of <maxVoltage> (the next sibling, whose start tag
            // now begins on line index + 1 and, spanning two lines, ends on index + 2: libxml2 reports the end).
            return issues.contains {
                (index + 1...index + 2).contains($0.line) && $0.message.contains("modelMismatch")
                    && $0.message.contains("Expected is ( {urn:kn-toolkit:pdk:1}maxVoltage )")
            }
        }
    }

    @Test("malformed XML is reported with its line")
    func malformedXMLReportsLine() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("broken.xml")
        try "<?xml version=\"1.0\"?>\n<process xmlns=\"urn:kn-toolkit:pdk:1\">\n  <source>\n</process>\n"
            .write(to: copy, atomically: true, encoding: .utf8)
        #expect {
            _ = try ProcessDescription.load(contentsOf: copy, schema: Repository.schema)
        } throws: { error in
            guard case let ProcessError.malformedXML(_, issues) = error else { return false }
            return issues.contains { $0.line == 4 }
        }
    }

    @Test("a second default corner is rejected after schema validation")
    func twoDefaultCornersAreRejected() throws {
        let original = try String(contentsOf: Repository.description("gf180mcu"), encoding: .utf8)
        let changed = original.replacingOccurrences(of: "<corner name=\"ff\">", with: "<corner name=\"ff\" default=\"true\">")
        #expect(changed != original)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("gf180mcu.xml")
        try changed.write(to: copy, atomically: true, encoding: .utf8)
        #expect {
            _ = try ProcessDescription.load(contentsOf: copy, schema: Repository.schema)
        } throws: { error in
            guard case ProcessError.inconsistent(_, _, let message, _) = error else { return false }
            return message.contains("2 corners")
        }
    }
}

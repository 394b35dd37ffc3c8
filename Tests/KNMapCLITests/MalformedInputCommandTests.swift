import Foundation
import KNTestSupport
import Testing

/// Bad input gets a one-line error on stderr that names the file and the problem, a non-zero exit code,
/// and no output file.
struct MalformedInputCommandTests {
    static let fixtures = SharedData.repositoryRoot.appendingPathComponent("Tests/KNImportTests/Fixtures")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var checkpoint: String
        var config: String
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown pickle global", checkpoint: "evil_global.pth", config: "tiny.yaml", message: "os.system"),
        Case(name: "more layers than the config", checkpoint: "tiny_extra_layer.pth", config: "tiny.yaml", message: "circuit.layer_list.2.model.param"),
        Case(name: "NaN parameter", checkpoint: "tiny_nan.pth", config: "tiny.yaml", message: "is nan"),
        Case(name: "tensor claims 10^12 elements", checkpoint: "huge_numel.pth", config: "tiny.yaml", message: "1000000000000"),
    ]

    @Test(arguments: cases)
    func importRejectsWithOneLineAndNoOutput(_ c: Case) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.knm")
        let checkpoint = Self.fixtures.appendingPathComponent(c.checkpoint).path
        let run = try KNMapRun.run(["import", checkpoint, Self.fixtures.appendingPathComponent(c.config).path, "-o", out.path])
        #expect(run.status != 0)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(c.checkpoint) || run.stderr.contains(c.config), "\(run.stderr)")
        #expect(run.stderr.contains(c.message), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "no temporary file left behind")
    }

    @Test func truncatedCheckpointIsRejected() throws {
        guard let files = SharedData.upstream("twomoon") else { print(SharedData.missingReason); return }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truncated = dir.appendingPathComponent("model.pth")
        try Data(contentsOf: files.checkpoint).prefix(5000).write(to: truncated)
        let out = dir.appendingPathComponent("out.knm")
        let run = try KNMapRun.run(["import", truncated.path, files.config.path, "-o", out.path])
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(truncated.path), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func shapeMismatchNamesBothShapes() throws {
        guard let files = SharedData.upstream("twomoon") else { print(SharedData.missingReason); return }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // repeat [25, 24] makes 294 edges per layer; the checkpoint holds 300.
        let yaml = try String(contentsOf: files.config, encoding: .utf8)
            .replacingOccurrences(of: "      - 25\n      - 25\n", with: "      - 25\n      - 24\n")
        let config = dir.appendingPathComponent("config.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.knm")
        let run = try KNMapRun.run(["import", files.checkpoint.path, config.path, "-o", out.path])
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("(3, 300)") && run.stderr.contains("(3, 294)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func missingTEndIsRejected() throws {
        guard let files = SharedData.upstream("twomoon") else { print(SharedData.missingReason); return }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = try String(contentsOf: files.config, encoding: .utf8)
            .replacingOccurrences(of: "  t_end:\n  - 0.0\n  - 0.5\n  - 1.0\n", with: "")
        let config = dir.appendingPathComponent("config.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.knm")
        let run = try KNMapRun.run(["import", files.checkpoint.path, config.path, "-o", out.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("t_end"), "\(run.stderr)")
        #expect(run.stderr.contains(config.path), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func nonFiniteInputIsRejectedBySimulate() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try KNMapRun.run(["example", "-o", dir.path])
        let model = dir.appendingPathComponent("ex.knm").path
        try KNMapRun.run(["import", dir.appendingPathComponent("model.pth").path, dir.appendingPathComponent("config.yaml").path, "-o", model])
        let inputs = dir.appendingPathComponent("in.csv")
        try "0.5,0.25\nnan,1\n".write(to: inputs, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.csv")
        let run = try KNMapRun.run(["simulate", model, "--inputs", inputs.path, "-o", out.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("in.csv") && run.stderr.contains("sample 1"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

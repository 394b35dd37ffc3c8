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
        let model = try KNMapRun.importedExample(in: dir, name: "ex.knm")
        let inputs = dir.appendingPathComponent("in.csv")
        try "0.5,0.25\nnan,1\n".write(to: inputs, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.csv")
        let run = try KNMapRun.run(["simulate", model, "--inputs", inputs.path, "-o", out.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("in.csv") && run.stderr.contains("sample 1"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    // MARK: The exact message and exit code for every broken input

    /// `Tests/KNImportTests/Fixtures/malformed`, written by its `make_malformed.py`.
    static let malformed = fixtures.appendingPathComponent("malformed")

    /// One broken input, the command that reads it, and exactly what `kn-map` must print on stderr and return.
    /// In `arguments` and `stderr`, `$F` is the fixtures folder, `$M` the malformed folder and `$T` a fresh
    /// temporary folder holding `ex.knm` (the example network, imported) and nothing else; outputs go to `$T/out.*`.
    struct Exact: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var status: Int32
        var stderr: String
        var testDescription: String { name }
    }

    static let pickleFix = "the checkpoint is damaged or was not written by torch.save; re-save the state dict with torch.save(model.state_dict(), path)"
    static let hostileFix = "the checkpoint is damaged or hostile; re-save it with torch.save"
    static let damagedFix = "the file is damaged or is not a checkpoint; re-save it with torch.save"

    static let exact: [Exact] = [
        // Zip container.
        Exact(name: "truncated zip", arguments: ["import", "$M/truncated.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/truncated.pth: is not a complete zip archive: no end-of-central-directory record (the file is truncated or damaged); check the path, copy the file again, or re-save it with torch.save(model.state_dict(), path)"),
        Exact(name: "corrupt zip entry (CRC)", arguments: ["import", "$M/crc_mismatch.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/crc_mismatch.pth: archive/data/1: cannot be extracted (CRC-32 mismatch); \(damagedFix)"),
        Exact(name: "entry larger than the file", arguments: ["import", "$F/bomb_size.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $F/bomb_size.pth: central directory entry 0 at byte 210: its data would run from byte 64 to 2147483696, past the end of the 431-byte file; \(damagedFix)"),
        Exact(name: "ZIP64 offset past 2^63", arguments: ["import", "$M/zip64_offset_overflow.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/zip64_offset_overflow.pth: ZIP64 end record at byte 1285: its directory offset is 17942340915444057106, past any file size; \(damagedFix)"),
        Exact(name: "zip bomb by inflation ratio", arguments: ["import", "$M/ratio_bomb.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/ratio_bomb.pth: archive/data.pkl: declares 4294967280 bytes inflated from 177 compressed bytes (a zip bomb?); \(damagedFix)"),
        Exact(name: "zip bomb within the deflate ratio", arguments: ["import", "$M/zip_bomb.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/zip_bomb.pth: archive/data.pkl, byte 200: the storages read so far and storage '0' add up to 9437184 bytes, more than the 8388608 this checkpoint can hold (a zip bomb, or entries that overlap?); the checkpoint is damaged or hostile; re-save it with torch.save, which stores entries uncompressed"),
        // Pickle.
        Exact(name: "unknown opcode", arguments: ["import", "$M/unknown_opcode.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/unknown_opcode.pth: archive/data.pkl, byte 2: unknown pickle opcode 0xFF; \(pickleFix)"),
        Exact(name: "unknown global", arguments: ["import", "$F/evil_global.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $F/evil_global.pth: archive/data.pkl, byte 33: global os.system is not allowed: a checkpoint may reference only collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch storage classes, so this file is not a plain state dict (or is malicious); load it in Python only if you trust it, and re-save just the weights with torch.save(model.state_dict(), path)"),
        Exact(name: "deeply nested pickle", arguments: ["import", "$M/deep_marks.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/deep_marks.pth: archive/data.pkl, byte 10002: MARKs nest deeper than 10000; \(pickleFix)"),
        // Tensors.
        Exact(name: "wrong dtype (int64)", arguments: ["import", "$F/int64.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $F/int64.pth: archive/data.pkl, byte 127: storage '0' has unsupported dtype int64 (torch.LongStorage); only float16, bfloat16, float32 and float64 parameters can be imported; convert the parameters to float before saving: torch.save({k: v.float() for k, v in sd.items()}, path)"),
        Exact(name: "dtype disagrees with the stored bytes", arguments: ["import", "$M/dtype_count_mismatch.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/dtype_count_mismatch.pth: archive/data.pkl, byte 171: storage '0' declares 144 float16 elements (288 bytes) but its entry holds 144 bytes; \(hostileFix)"),
        Exact(name: "tensor header claiming 10^12 elements", arguments: ["import", "$F/huge_numel.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $F/huge_numel.pth: archive/data.pkl, byte 130: storage '0' declares 1000000000000 float32 elements (4000000000000 bytes) but its entry holds 16 bytes; \(hostileFix)"),
        Exact(name: "NaN parameter", arguments: ["import", "$F/tiny_nan.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $F/tiny_nan.pth: circuit.layer_list.1.model.param: layer 1, row 2 (p2), edge 5 is nan; every parameter must be finite; training diverged before this checkpoint was saved; use an earlier checkpoint"),
        Exact(name: "Inf parameter", arguments: ["import", "$M/tiny_inf.pth", "$F/tiny.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/tiny_inf.pth: circuit.layer_list.0.model.param: layer 0, row 1 (p1), edge 3 is inf; every parameter must be finite; training diverged before this checkpoint was saved; use an earlier checkpoint"),
        // Checkpoint against config.
        Exact(name: "shape mismatch with the config", arguments: ["import", "$F/tiny.pth", "$M/shape_mismatch.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $F/tiny.pth: circuit.layer_list.0.model.param: has shape (3, 12) but config.yaml's layer 0 (_fully_connect, ShiftTanh2) needs (3, 18); the checkpoint and config.yaml come from different runs; pass the config.yaml saved next to this model.pth"),
        // config.yaml.
        Exact(name: "missing key", arguments: ["import", "$F/tiny.pth", "$M/missing_tol.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/missing_tol.yaml: line 19, simulation: tol is missing; add simulation.tol (upstream converts it with float())"),
        Exact(name: "ill-typed integer", arguments: ["import", "$F/tiny.pth", "$M/num_node_word.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/num_node_word.yaml: line 17, network.net_struct[1].args.num_node: is 'three', expected an integer; write a whole number"),
        Exact(name: "scalar where a list belongs", arguments: ["import", "$F/tiny.pth", "$M/t_end_scalar.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/t_end_scalar.yaml: line 24, simulation.t_end: is '1.0', expected a list; write a YAML list, one '- value' line per entry"),
        Exact(name: "unknown edge family", arguments: ["import", "$F/tiny.pth", "$M/unknown_family.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/unknown_family.yaml: line 6, network.model: network.model.name: unknown edge family 'ShiftTanh9'; expected ShiftTanh1, ShiftTanh2, ShiftRelu1, ShiftRelu2, ShiftLeakyRelu1, ShiftLeakyRelu2, Conductance or Device; use the network.model of the training run that wrote the checkpoint"),
        Exact(name: "deeply nested YAML", arguments: ["import", "$F/tiny.pth", "$M/deep_nesting.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/deep_nesting.yaml: line 1: nests more than 64 levels deep (lists and mappings inside each other); a KirchhoffNet config needs fewer than 10; pass the config.yaml saved next to model.pth"),
        Exact(name: "YAML syntax error", arguments: ["import", "$F/tiny.pth", "$M/bad_syntax.yaml", "-o", "$T/out.knm"], status: 1,
              stderr: "Error: $M/bad_syntax.yaml: line 28: is not valid YAML (did not find expected ',' or ']'); fix the YAML syntax"),
        // Inputs of simulate.
        Exact(name: "Inf input (CSV)", arguments: ["simulate", "$T/ex.knm", "--inputs", "$M/inf_input.csv", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $M/inf_input.csv: sample 1, value 1 is NaN or infinite; inputs must be finite"),
        Exact(name: "NaN input (NPY)", arguments: ["simulate", "$T/ex.knm", "--inputs", "$M/nan_input.npy", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $M/nan_input.npy: sample 1, value 0 is NaN or infinite; inputs must be finite"),
        Exact(name: "NPY header claiming 10^12 values", arguments: ["simulate", "$T/ex.knm", "--inputs", "$M/huge_shape.npy", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $M/huge_shape.npy: not a usable .npy array: data truncated: 16 bytes for 1000000000000 values of 8 bytes; the file is incomplete, save the array again with numpy.save"),
        Exact(name: "NPY with a negative shape", arguments: ["simulate", "$T/ex.knm", "--inputs", "$M/negative_shape.npy", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $M/negative_shape.npy: not a usable .npy array: shape [-2, 2] is negative or too large; save the array again with numpy.save"),
        Exact(name: "NPY shape whose element count overflows", arguments: ["simulate", "$T/ex.knm", "--inputs", "$M/overflowing_shape.npy", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $M/overflowing_shape.npy: not a usable .npy array: shape [4611686018427387904, 4] is negative or too large; save the array again with numpy.save"),
        Exact(name: "NPY shape with ')' before '('", arguments: ["simulate", "$T/ex.knm", "--inputs", "$M/shape_parentheses.npy", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $M/shape_parentheses.npy: not a usable .npy array: header has no shape tuple; save the array again with numpy.save"),
        // Model files (made from the example in $T by `brokenModels`).
        Exact(name: "truncated model file", arguments: ["inspect", "$T/truncated.knm"], status: 1,
              stderr: "Error: $T/truncated.knm: byte 16: the header length 861 exceeds the 200-byte file (truncated or damaged); re-import the checkpoint with `kn-map import`"),
        Exact(name: "model file cut in its data", arguments: ["simulate", "$T/cut.knm", "--samples", "2", "-o", "$T/out.csv"], status: 1,
              stderr: "Error: $T/cut.knm: layer 1 parameters: 180 values of 4 bytes at byte 3200 lie outside the 3500-byte file (truncated or damaged); re-import the checkpoint"),
        Exact(name: "model file claiming 10^15 edges", arguments: ["inspect", "$T/huge.knm"], status: 1,
              stderr: "Error: $T/huge.knm: layer 0 src: 1000000000000000 values of 4 bytes at byte 896 lie outside the 4058-byte file (truncated or damaged); re-import the checkpoint"),
        Exact(name: "model file whose counts overflow", arguments: ["inspect", "$T/overflow.knm"], status: 1,
              stderr: "Error: $T/overflow.knm: layer 0: column lengths disagree with edgeCount 4611686018427387904; re-import the checkpoint"),
        Exact(name: "model file with a damaged header", arguments: ["inspect", "$T/badheader.knm"], status: 1,
              stderr: "Error: $T/badheader.knm: byte 24: the JSON header is damaged (at layers[0].edgeCount: Expected to decode Int but found a string instead.); re-import the checkpoint with `kn-map import`"),
    ]

    /// The example network imported into `dir/ex.knm`, and broken copies of it.
    static func brokenModels(in dir: URL) throws {
        #expect(try KNMapRun.run(["example", "-o", dir.appendingPathComponent("example").path]).status == 0)
        let model = dir.appendingPathComponent("ex.knm")
        #expect(try KNMapRun.run(["import", dir.appendingPathComponent("example/model.pth").path,
                                  dir.appendingPathComponent("example/config.yaml").path, "-o", model.path]).status == 0)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("example"))
        let bytes = try Data(contentsOf: model)
        try bytes.prefix(200).write(to: dir.appendingPathComponent("truncated.knm"))
        try bytes.prefix(3500).write(to: dir.appendingPathComponent("cut.knm"))
        // Same header length, so the blobs stay where they are: only the counts change.
        let headerLength = Int(bytes[16]) | Int(bytes[17]) << 8
        var header = String(decoding: bytes[24..<(24 + headerLength)], as: UTF8.self)
        let huge = header.replacingOccurrences(of: "\"count\":60,", with: "\"count\":1000000000000000,")
            .replacingOccurrences(of: "\"count\":180,", with: "\"count\":3000000000000000,")
            .replacingOccurrences(of: "\"edgeCount\":60,", with: "\"edgeCount\":1000000000000000,")
        try write(header: huge, over: bytes, to: dir.appendingPathComponent("huge.knm"))
        let overflow = header.replacingOccurrences(of: "\"count\":60,", with: "\"count\":4611686018427387904,")
            .replacingOccurrences(of: "\"count\":180,", with: "\"count\":4611686018427387904,")
            .replacingOccurrences(of: "\"edgeCount\":60,", with: "\"edgeCount\":4611686018427387904,")
        try write(header: overflow, over: bytes, to: dir.appendingPathComponent("overflow.knm"))
        header = header.replacingOccurrences(of: "\"edgeCount\":60,", with: "\"edgeCount\":\"60\",")
        try write(header: header, over: bytes, to: dir.appendingPathComponent("badheader.knm"))
    }

    /// `bytes` with its JSON header replaced by `header` (and its length field updated).
    static func write(header: String, over bytes: Data, to url: URL) throws {
        let oldLength = Int(bytes[16]) | Int(bytes[17]) << 8
        var out = Data(bytes.prefix(16))
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(Data(header.utf8))
        out.append(bytes[(24 + oldLength)...])
        try out.write(to: url)
    }

    @Test(arguments: exact)
    func brokenInputGetsItsExactMessageAndStatus(_ c: Exact) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.brokenModels(in: dir)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        func expand(_ s: String) -> String {
            s.replacingOccurrences(of: "$M", with: Self.malformed.path).replacingOccurrences(of: "$F", with: Self.fixtures.path)
                .replacingOccurrences(of: "$T", with: dir.path)
        }
        let run = try KNMapRun.run(c.arguments.map(expand))
        #expect(run.stderr == expand(c.stderr) + "\n")
        #expect(run.status == c.status)
        #expect(run.stdout.isEmpty)
        // Nothing written: no output, no temporary file.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == before)
    }

    /// No broken input crashes `kn-map`: each one ends with the ordinary error status, never a signal.
    @Test func everyMalformedFixtureIsRefusedWithoutACrash() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.brokenModels(in: dir)
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.malformed.path).sorted()
        var tried = 0
        for name in names {
            let path = Self.malformed.appendingPathComponent(name).path
            let arguments: [String]
            switch (name as NSString).pathExtension {
            case "pth": arguments = ["import", path, Self.fixtures.appendingPathComponent("tiny.yaml").path, "-o", dir.appendingPathComponent("o.knm").path]
            case "yaml": arguments = ["import", Self.fixtures.appendingPathComponent("tiny.pth").path, path, "-o", dir.appendingPathComponent("o.knm").path]
            case "csv", "npy": arguments = ["simulate", dir.appendingPathComponent("ex.knm").path, "--inputs", path, "-o", dir.appendingPathComponent("o.csv").path]
            default: continue
            }
            let run = try KNMapRun.run(arguments)
            tried += 1
            #expect(run.status == 1, "\(name): status \(run.status), \(run.stderr)")
            // The message names the broken file (a config that disagrees with the checkpoint names the checkpoint).
            #expect(run.stderr.hasPrefix("Error: \(path): ") || (name.hasSuffix(".yaml") && run.stderr.hasPrefix("Error: \(arguments[1]): ")),
                    "\(name): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(name): \(run.stderr)")
        }
        #expect(tried >= 18)
    }
}

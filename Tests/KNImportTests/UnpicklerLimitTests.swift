import Foundation
import KNModel
import Testing
@testable import KNImport

/// The unpickler run on raw opcode bytes: hostile programs stop at a limit or an unsupported opcode, with the
/// byte offset, before they can allocate much or run anything.
struct UnpicklerLimitTests {
    struct NoStorages: StorageSource {
        var path = "mem.pth"
        var pickleEntry = "archive/data.pkl"
        var bigEndian = false
        func storageByteCount(_ key: String) -> UInt64? { key == "0" ? 8 : nil }
        func storageBytes(_ key: String) throws(ImportError) -> Data { Data([0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]) }
    }

    func run(_ bytes: [UInt8], limits: TorchUnpickler.Limits = .init()) -> String {
        var u = TorchUnpickler(pickle: Data(bytes), source: NoStorages(), limits: limits)
        do {
            let v = try u.run()
            return "ok \(v.typeName)"
        } catch {
            return error.description
        }
    }

    let fix = "the checkpoint is damaged or was not written by torch.save; re-save the state dict with torch.save(model.state_dict(), path)"

    @Test func unsupportedOpcodesAreNamed() {
        #expect(run([0x80, 0x02, 0x69]) == "mem.pth: archive/data.pkl, byte 2: pickle opcode INST (0x69) is not supported by this importer; \(fix)")
        #expect(run([0x80, 0x02, 0xFF]) == "mem.pth: archive/data.pkl, byte 2: unknown pickle opcode 0xFF; \(fix)")
        #expect(run([0x80, 0x06]) == "mem.pth: archive/data.pkl, byte 0: pickle protocol 6 is newer than 5; \(fix)")
    }

    @Test func truncatedProgramsAreRefused() {
        #expect(run([0x80, 0x02, 0x4E]) == "mem.pth: archive/data.pkl, byte 3: the pickle ends without a STOP opcode; \(fix)")
        // BINUNICODE claiming 4 GiB with 3 bytes left.
        #expect(run([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x61, 0x62, 0x63]) ==
                "mem.pth: archive/data.pkl, byte 2: a length field says 4294967295 bytes but only 3 remain; \(fix)")
        #expect(run([0x80, 0x02, 0x2E]) == "mem.pth: archive/data.pkl, byte 2: pops from an empty stack; \(fix)")
        #expect(run([0x80, 0x02, 0x68, 0x07]) == "mem.pth: archive/data.pkl, byte 2: reads memo entry 7, which was never stored; \(fix)")
    }

    @Test func nestingStackAndMemoAreBounded() {
        var limits = TorchUnpickler.Limits()
        limits.markDepth = 100
        #expect(run([0x80, 0x02] + Array(repeating: 0x28, count: 101), limits: limits) ==
                "mem.pth: archive/data.pkl, byte 102: MARKs nest deeper than 100; \(fix)")
        limits.stackDepth = 50
        #expect(run([0x80, 0x02] + Array(repeating: 0x4E, count: 51), limits: limits) ==
                "mem.pth: archive/data.pkl, byte 52: the pickle stack exceeds 50 items; \(fix)")
        limits.memoSize = 3
        let puts: [UInt8] = [0x4E] + (0..<4).flatMap { [UInt8(0x71), UInt8($0)] }
        #expect(run([0x80, 0x02] + puts, limits: limits) == "mem.pth: archive/data.pkl, byte 9: the memo exceeds 3 entries; \(fix)")
        // 200,000 nested 1-tuples is flat in the arena: no recursion, no deep value to free.
        let deep: [UInt8] = [0x80, 0x02, 0x4E] + Array(repeating: 0x85, count: 200_000) + [0x2E]
        #expect(run(deep) == "ok tuple")
    }

    @Test func aFloatStorageDecodesThroughTheRebuildCall() {
        // OrderedDict-free minimal program: _rebuild_tensor_v2(pid('0', 2 floats), 0, (2,), (1,), False, None) then STOP.
        var p: [UInt8] = [0x80, 0x02]
        p += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28, 0x28]
        p += [0x8C, 7] + Array("storage".utf8) + Array("ctorch\nFloatStorage\n".utf8)
        p += [0x8C, 1, 0x30, 0x8C, 3] + Array("cpu".utf8) + [0x4B, 2, 0x74, 0x51]
        p += [0x4B, 0, 0x4B, 2, 0x85, 0x4B, 1, 0x85, 0x89, 0x4E, 0x74, 0x52]
        var u = TorchUnpickler(pickle: Data(p + [0x2E]), source: NoStorages())
        let v = try? u.run()
        #expect(v.flatMap { u.tensor($0) }?.values == [1.0, -2.0])
    }
}

/// Found by the checkpoint fuzzer (a 30-minute run): a local header whose name length sends a deflated entry's data
/// past the end of the file made ZIPFoundation read forever. It is refused from the central directory first.
@Test func localHeaderPastTheEndIsRefusedInsteadOfReadForever() throws {
    let url = TestData.fixture("malformed/local_header_past_end.pth")
    #expect {
        _ = try TorchCheckpoint.read(url)
    } throws: { error in
        "\(error)".contains("central directory entry 0 at byte 210: its data would run from byte 363 to 425, past the end of the 363-byte file")
    }
}

import Foundation
import KNEmit
import KNTestSupport
import Testing

/// Broken rawfiles (`Tests/KNImportTests/Fixtures/malformed/*.raw`, cut from an ngspice 46 transient): each is
/// refused with one exact message that names the file and the byte where it breaks, before anything the header
/// promises is allocated.
@Suite struct MalformedRawfileTests {
    static let folder = SharedData.repositoryRoot.appendingPathComponent("Tests/KNImportTests/Fixtures/malformed")

    func message(_ name: String) throws -> String? {
        let url = Self.folder.appendingPathComponent(name)
        switch Result(catching: { () throws(RawfileError) -> Rawfile in try Rawfile(contentsOf: url) }) {
        case .success:
            Issue.record("\(name) was accepted")
            return nil
        case .failure(let error):
            return error.description
        }
    }

    /// Where the data section of `name` starts (just after its `Binary:` or `Values:` line).
    func dataStart(_ name: String) throws -> Int {
        let bytes = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let marker = bytes.range(of: Data("Binary:\n".utf8)) ?? bytes.range(of: Data("Values:\n".utf8))
        return try #require(marker).upperBound
    }

    @Test func aBinaryRawfileCutInsideAPointNamesTheLastWholeValueAndThePromisedEnd() throws {
        let start = try dataStart("truncated_mid_point.raw")
        // 4 points of 3 float64 promised (96 bytes); 60 bytes present: 7 whole values, then half of one.
        #expect(try message("truncated_mid_point.raw") ==
            "\(Self.folder.path)/truncated_mid_point.raw: the rawfile is truncated at byte \(start + 56) (its header promises data up to byte \(start + 96)); the simulator probably stopped while writing it: run it again")
    }

    @Test func aTextRawfileCutInsideAValueIsTruncatedAtItsEnd() throws {
        let size = try Data(contentsOf: Self.folder.appendingPathComponent("truncated_mid_point_ascii.raw")).count
        #expect(try message("truncated_mid_point_ascii.raw") ==
            "\(Self.folder.path)/truncated_mid_point_ascii.raw: the rawfile is truncated at byte \(size) (in the middle of a line or before all promised values); the simulator probably stopped while writing it: run it again")
    }

    @Test func aHeaderClaimingATrillionPointsIsRefusedBeforeAllocation() throws {
        let start = try dataStart("huge_point_count.raw")
        #expect(try message("huge_point_count.raw") ==
            "\(Self.folder.path)/huge_point_count.raw: the rawfile is truncated at byte \(start + 96) (its header promises data up to byte \(start + 24_000_000_000_000)); the simulator probably stopped while writing it: run it again")
    }

    @Test func aTextHeaderClaimingATrillionPointsIsRefusedBeforeAllocation() throws {
        var text = try String(contentsOf: Self.folder.appendingPathComponent("truncated_mid_point_ascii.raw"), encoding: .utf8)
        text = text.replacingOccurrences(of: "No. Points: 4\n", with: "No. Points: 1000000000000\n")
        let url = try temporaryFolder().appendingPathComponent("huge.raw")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data(text.utf8).write(to: url)
        #expect(throws: RawfileError.truncated(path: url.path, offset: text.utf8.count, expected: -1)) {
            _ = try Rawfile(contentsOf: url)
        }
    }

    @Test func aPointCountThatOverflowsIsMalformedNotACrash() throws {
        var bytes = try Data(contentsOf: Self.folder.appendingPathComponent("huge_point_count.raw"))
        let old = Data("No. Points: 1000000000000\n".utf8)
        let range = try #require(bytes.range(of: old))
        bytes.replaceSubrange(range, with: Data("No. Points: 4611686018427387904\n".utf8))
        let start = try #require(bytes.range(of: Data("Binary:\n".utf8))).upperBound
        #expect(throws: RawfileError.malformed(path: "x.raw", offset: start,
                                               problem: "the header promises 4611686018427387904 points of 3 variables, more than any file can hold")) {
            _ = try Rawfile(data: bytes, path: "x.raw")
        }
    }
}

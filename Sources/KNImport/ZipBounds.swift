import Foundation

/// Checks the 64-bit offsets and sizes of a zip's central directory before ZIPFoundation reads it.
///
/// ZIPFoundation converts offsets and sizes from the file to `off_t` and adds them up without checking, so a
/// ZIP64 field past 2^63 makes it trap, and the process dies (found by fuzzing `TorchCheckpoint.read`). Every
/// 64-bit value it can use (the ZIP64 end record's directory offset, size and count, and the ZIP64 extra field of
/// each central-directory entry) must be below 2^60: far above any real file, and far enough below 2^63 that
/// their sums cannot overflow. The 32-bit fields cannot overflow those sums. Offsets that are merely past the end
/// of the file are left to ZIPFoundation, which reads nothing there, and to the entry count check.
enum ZipBounds {
    static let limit: UInt64 = 1 << 60

    /// Throws when a value of the central directory could overflow ZIPFoundation's arithmetic.
    static func check(url: URL, fileSize: UInt64, path: String) throws(ImportError) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return }
        defer { try? handle.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard offset < fileSize, (try? handle.seek(toOffset: offset)) != nil,
                  let data = try? handle.read(upToCount: count), data.count == count else { return nil }
            return [UInt8](data)
        }
        func u16(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(b[i]) | UInt64(b[i + 1]) << 8 }
        func u32(_ b: [UInt8], _ i: Int) -> UInt64 { u16(b, i) | u16(b, i + 2) << 16 }
        func u64(_ b: [UInt8], _ i: Int) -> UInt64 { u32(b, i) | u32(b, i + 4) << 32 }
        func fail(_ location: String, _ problem: String) -> ImportError {
            ImportError(.archive, file: path, location: location, problem: problem,
                        fix: "the file is damaged or is not a checkpoint; re-save it with torch.save")
        }

        // The end record, where ZIPFoundation finds it: the last signature, searched from the end.
        guard fileSize >= 22 else { return }
        let tailLength = Int(min(fileSize, 22 + 65_535))
        guard let tail = read(fileSize - UInt64(tailLength), tailLength) else { return }
        var e = tailLength - 22
        while e >= 0, !(tail[e] == 0x50 && tail[e + 1] == 0x4B && tail[e + 2] == 0x05 && tail[e + 3] == 0x06) { e -= 1 }
        guard e >= 0 else { return }  // ZIPFoundation reports the missing record itself
        let endOffset = fileSize - UInt64(tailLength) + UInt64(e)
        var directory = u32(tail, e + 16), directorySize = u32(tail, e + 12), entries = u16(tail, e + 10)

        // The ZIP64 end record, which ZIPFoundation reads just before the ZIP64 locator (20 bytes before the end record).
        if endOffset > 76, let record = read(endOffset - 76, 56),
           record[0] == 0x50, record[1] == 0x4B, record[2] == 0x06, record[3] == 0x06 {
            let place = "ZIP64 end record at byte \(endOffset - 76)"
            for (field, at) in [("entry count", 32), ("directory size", 40), ("directory offset", 48)] where u64(record, at) >= limit {
                throw fail(place, "its \(field) is \(u64(record, at)), past any file size")
            }
            directory = u64(record, 48); directorySize = u64(record, 40); entries = u64(record, 32)
        }
        _ = directorySize

        // Each entry's ZIP64 extra field (sizes and local header offset).
        var position = directory
        var index: UInt64 = 0
        while index < entries, let header = read(position, 46),
              header[0] == 0x50, header[1] == 0x4B, header[2] == 0x01, header[3] == 0x02 {
            let nameLength = u16(header, 28), extraLength = u16(header, 30), commentLength = u16(header, 32)
            if extraLength > 0, let extra = read(position + 46 + nameLength, Int(extraLength)) {
                var i = 0
                while i + 4 <= extra.count {
                    let id = u16(extra, i), size = Int(u16(extra, i + 2))
                    if id == 0x0001 {
                        var v = i + 4
                        while v + 8 <= min(i + 4 + size, extra.count) {
                            guard u64(extra, v) < limit else {
                                throw fail("central directory entry \(index) at byte \(position)",
                                           "its ZIP64 extra field holds \(u64(extra, v)) as a size or offset, past any file size")
                            }
                            v += 8
                        }
                    }
                    i += 4 + size
                }
            }
            // The entry's data must lie inside the file, with the local header's own name and extra lengths:
            // ZIPFoundation reads a deflated entry past the end of the file forever.
            let localOffset = u32(header, 42), compressed = u32(header, 20)
            if localOffset != 0xFFFF_FFFF, compressed != 0xFFFF_FFFF {
                guard let local = read(localOffset, 30), local[0] == 0x50, local[1] == 0x4B, local[2] == 0x03, local[3] == 0x04 else {
                    throw fail("central directory entry \(index) at byte \(position)",
                               "points at byte \(localOffset) for its local header, which is not there")
                }
                let start = localOffset + 30 + u16(local, 26) + u16(local, 28)
                guard start + compressed <= fileSize else {
                    throw fail("central directory entry \(index) at byte \(position)",
                               "its data would run from byte \(start) to \(start + compressed), past the end of the \(fileSize)-byte file")
                }
            }
            position += 46 + nameLength + extraLength + commentLength
            index += 1
        }
    }
}

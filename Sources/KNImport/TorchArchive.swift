import Foundation
import ZIPFoundation

/// The zip container `torch.save` writes (format 1.6 and later): `<prefix>/data.pkl`, `<prefix>/data/<key>` per
/// storage, `<prefix>/version`, and from torch 2.1 on `<prefix>/byteorder`.
///
/// torch writes every entry STORED with a data descriptor, and its local headers carry zero sizes and CRC.
/// ZIPFoundation takes the sizes from the central directory (or the descriptor), so its extraction works; every
/// size is checked against the file size before any buffer is allocated, and every entry's CRC-32 is verified.
struct TorchArchive {
    /// The checkpoint path, for messages.
    let path: String
    let fileSize: UInt64
    /// The folder that holds `data.pkl` (`archive` in every published checkpoint, but any name is accepted).
    let prefix: String
    /// From the `byteorder` record; torch assumes little endian when it is absent.
    let bigEndian: Bool
    private let archive: Archive
    private let entries: [String: Entry]

    /// The largest ratio of inflated to deflated size accepted for a compressed entry (deflate cannot exceed ~1032).
    static let maximumCompressionRatio: UInt64 = 1100
    /// The pickled magic number that starts a legacy (pre-1.6) torch file.
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    init(url: URL) throws(ImportError) {
        path = url.path
        let fix = "check the path, copy the file again, or re-save it with torch.save(model.state_dict(), path)"
        let head: Data
        let size: UInt64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: 64) ?? Data()
        } catch {
            throw ImportError(.archive, file: path, problem: "cannot be read (\(Self.reason(error)))", fix: fix)
        }
        fileSize = size
        if head.starts(with: Self.legacyMagic) {
            throw ImportError(.archive, file: path, problem: "is a legacy (pre-1.6) torch file, not a zip checkpoint",
                              fix: "re-save it with a current torch: torch.save(torch.load(path), path)")
        }
        guard head.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            throw ImportError(.archive, file: path, location: "byte 0",
                              problem: "does not start with a zip local header (PK\\x03\\x04), so it is not a torch checkpoint",
                              fix: "pass the model.pth that torch.save wrote")
        }
        try ZipBounds.check(url: url, fileSize: size, path: path)
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw ImportError(.archive, file: path,
                              problem: "is not a complete zip archive: \(Self.reason(error)) (the file is truncated or damaged)",
                              fix: fix)
        }
        var found: [String: Entry] = [:]
        var pickles: [String] = []
        var listed = 0
        for entry in archive {
            listed += 1
            let name = entry.path
            guard entry.type == .file else { continue }
            guard found[name] == nil else {
                throw ImportError(.archive, file: path, location: name, problem: "appears twice in the zip central directory",
                                  fix: "the file is damaged; re-save it with torch.save")
            }
            found[name] = entry
            if name.hasSuffix("/data.pkl") || name == "data.pkl" { pickles.append(name) }
        }
        if let declared = Self.declaredEntryCount(url: url, fileSize: size), declared != listed {
            throw ImportError(.archive, file: path,
                              problem: "the zip central directory lists \(listed) readable entries but its end record declares \(declared) (the file is damaged)",
                              fix: fix)
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw ImportError(.archive, file: path,
                              problem: pickles.isEmpty ? "has no data.pkl entry, so it is not a torch checkpoint"
                                                       : "has \(pickles.count) data.pkl entries (\(pickles.sorted().joined(separator: ", "))); a torch checkpoint has one",
                              fix: "pass the model.pth that torch.save wrote")
        }
        entries = found
        prefix = pickle == "data.pkl" ? "" : String(pickle.dropLast("/data.pkl".count))
        var bigEndian = false
        let orderName = prefix.isEmpty ? "byteorder" : prefix + "/byteorder"
        if found[orderName] != nil {
            let data = try Self.read(archive: archive, entries: found, name: orderName, path: path, fileSize: size, limit: 64)
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            switch text {
            case "little": bigEndian = false
            case "big": bigEndian = true
            default:
                throw ImportError(.archive, file: path, location: orderName,
                                  problem: "byte order record says '\(text.prefix(20))'; expected 'little' or 'big'",
                                  fix: "the file is damaged; re-save it with torch.save")
            }
        }
        self.bigEndian = bigEndian
    }

    /// The full entry name of `relative` (a path below the archive folder).
    func entryName(_ relative: String) -> String { prefix.isEmpty ? relative : prefix + "/" + relative }

    /// The declared (uncompressed) size of an entry, or nil when there is no such entry.
    func size(of relative: String) -> UInt64? { entries[entryName(relative)]?.uncompressedSize }

    /// Reads the whole entry `relative` after checking its sizes; `limit` caps its declared size.
    func read(_ relative: String, limit: UInt64? = nil) throws(ImportError) -> Data {
        try Self.read(archive: archive, entries: entries, name: entryName(relative), path: path, fileSize: fileSize,
                      limit: limit)
    }

    private static func read(archive: Archive, entries: [String: Entry], name: String, path: String, fileSize: UInt64,
                             limit: UInt64?) throws(ImportError) -> Data {
        guard let entry = entries[name] else {
            throw ImportError(.archive, file: path, location: name, problem: "is missing from the zip archive",
                              fix: "the checkpoint is incomplete; re-save it with torch.save")
        }
        let stored = entry.compressedSize, inflated = entry.uncompressedSize
        let damaged = "the file is damaged or is not a checkpoint; re-save it with torch.save"
        guard stored <= fileSize else {
            throw ImportError(.archive, file: path, location: name,
                              problem: "declares \(stored) bytes of data but the whole file has \(fileSize)", fix: damaged)
        }
        if entry.isCompressed {
            guard inflated <= stored &* maximumCompressionRatio &+ 1024 else {
                throw ImportError(.archive, file: path, location: name,
                                  problem: "declares \(inflated) bytes inflated from \(stored) compressed bytes (a zip bomb?)",
                                  fix: damaged)
            }
        } else if inflated != stored {
            throw ImportError(.archive, file: path, location: name,
                              problem: "is stored uncompressed but declares \(stored) stored and \(inflated) uncompressed bytes",
                              fix: damaged)
        }
        if let limit, inflated > limit {
            throw ImportError(.archive, file: path, location: name,
                              problem: "declares \(inflated) bytes, more than the \(limit) this entry can need", fix: damaged)
        }
        guard inflated <= UInt64(Int.max / 2) else {
            throw ImportError(.archive, file: path, location: name, problem: "declares an absurd size (\(inflated) bytes)", fix: damaged)
        }
        var data = Data()
        data.reserveCapacity(Int(inflated))
        do {
            // The consumer form of extract computes the CRC-32 but leaves the comparison to the caller.
            let crc = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { chunk in
                guard UInt64(data.count + chunk.count) <= inflated else { throw Archive.ArchiveError.invalidEntrySize }
                data.append(chunk)
            }
            guard crc == entry.checksum else { throw Archive.ArchiveError.invalidCRC32 }
        } catch {
            throw ImportError(.archive, file: path, location: name,
                              problem: "cannot be extracted (\(reason(error)))", fix: damaged)
        }
        guard UInt64(data.count) == inflated else {
            throw ImportError(.archive, file: path, location: name,
                              problem: "holds \(data.count) bytes but declares \(inflated)", fix: damaged)
        }
        return data
    }

    /// The entry count of the end-of-central-directory record, or nil if it cannot be read (ZIP64 markers included).
    private static func declaredEntryCount(url: URL, fileSize: UInt64) -> Int? {
        guard fileSize >= 22, let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        let tail = min(fileSize, 22 + 65_535)
        guard (try? handle.seek(toOffset: fileSize - tail)) != nil,
              let bytes = try? handle.read(upToCount: Int(tail)).map({ [UInt8]($0) }), bytes.count >= 22 else { return nil }
        var i = bytes.count - 22
        while i >= 0 {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 {
                let count = Int(bytes[i + 10]) | Int(bytes[i + 11]) << 8
                return count == 0xFFFF ? nil : count
            }
            i -= 1
        }
        return nil
    }

    private static func reason(_ error: Error) -> String {
        if let error = error as? Archive.ArchiveError {
            switch error {
            case .missingEndOfCentralDirectoryRecord: return "no end-of-central-directory record"
            case .invalidCRC32: return "CRC-32 mismatch"
            case .unreadableArchive: return "unexpected end of data"
            case .invalidCompressionMethod: return "unsupported compression method"
            default: return "\(error)"
            }
        }
        return (error as NSError).localizedDescription
    }
}

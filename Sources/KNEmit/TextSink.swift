import Foundation
import KNModel

/// A buffered UTF-8 writer over a file handle: netlists are streamed in 1 MiB chunks, never held whole.
struct TextSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private let capacity: Int

    init(_ handle: FileHandle, capacity: Int = 1 << 20) {
        self.handle = handle
        self.capacity = capacity
        buffer.reserveCapacity(capacity + 4096)
    }

    mutating func write(_ text: String) throws {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= capacity { try flush() }
    }

    mutating func line(_ text: String) throws {
        try write(text)
        buffer.append(0x0A)
    }

    /// Writes `value` with the shortest decimal form that reads back to the same double.
    mutating func number(_ value: Double) throws {
        try write(Self.format(value))
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// The shortest round-trip decimal form, as both SPICE and Verilog-A read it (`1e-06`, `0.5`, `-2.0`).
    static func format(_ value: Double) -> String {
        if value == 0 { return "0.0" }
        return value.description
    }
}

/// Writes a text file atomically through a ``TextSink``, turning I/O failures into ``EmitError``.
func writeText(to url: URL, _ body: (inout TextSink) throws -> Void) throws {
    do {
        try AtomicFile.write(to: url) { handle in
            var sink = TextSink(handle)
            try body(&sink)
            try sink.flush()
        }
    } catch let error as EmitError {
        throw error
    } catch {
        throw EmitError.cannotWrite(path: url.path, problem: "\(error.localizedDescription)")
    }
}

import Foundation

/// Results that concurrent workers write at distinct indices, read once all of them are done (batch simulation,
/// parallel ngspice runs). One lock guards the array; each worker writes only its own slot.
package final class ResultSlots<Success, Failure: Error>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Success, Failure>?]

    package init(count: Int) { slots = Array(repeating: nil, count: count) }

    package func set(_ index: Int, _ result: Result<Success, Failure>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    /// Every slot; nil where a worker never wrote.
    package func take() -> [Result<Success, Failure>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}

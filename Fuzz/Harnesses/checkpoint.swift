import Foundation
import KNImport

/// The checkpoint reader: zip container, pickle program, tensors (`TorchCheckpoint.read`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let url = FuzzInput.file(bytes, count, extension: "pth")
    do {
        let checkpoint = try TorchCheckpoint.read(url)
        for (_, tensor) in checkpoint.tensors where tensor.values.count != tensor.shape.reduce(1, *) {
            fatalError("a tensor whose values do not match its shape")
        }
    } catch {
        if error.description.contains("\n") { fatalError("a multi-line error: \(error.description)") }
    }
    return 0
}

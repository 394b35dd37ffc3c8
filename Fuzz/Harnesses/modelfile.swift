import Foundation
import KNModel

/// The `.knm` model file reader (`ModelFile.decode`), and the summary `kn-map inspect` prints of what it reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let network = try ModelFile.decode(FuzzInput.data(bytes, count), path: "net.knm")
        _ = NetworkSummary(network, tau: 1e-7).text
    } catch {
        _ = error.description
    }
    return 0
}

import Foundation
import KNEmit

/// The SPICE rawfile reader (`Rawfile(data:path:)`), binary and text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRawfile(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let raw = try Rawfile(data: FuzzInput.data(bytes, count), path: "run.raw")
        for plot in raw.plots {
            let n = plot.variables.count
            if plot.real.count != plot.pointCount * n { fatalError("values do not match the point count") }
            if n > 0 { _ = plot.complexColumn(n - 1) }
        }
    } catch {
        _ = error.description
    }
    return 0
}

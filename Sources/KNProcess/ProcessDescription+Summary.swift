import Foundation

extension ProcessDescription {
    /// A human-readable summary for `kn-map pdk show`: supplies, corners, devices with their limits and
    /// mismatch (model file vs. measured), capacitors, and whether the models are installed under `root`.
    public func report(root: PDKRoot = .resolve()) -> String {
        func number(_ value: Double) -> String { String(format: "%g", value) }
        var lines = ["\(name) (\(foundry)): \(self.summary)"]
        lines.append("  models: \(source.package) \(source.version) (\(source.license)), sha256 \(source.sha256.prefix(12))…")
        let installed: String
        do {
            try verifyInstalled(in: root)
            installed = "installed in \(modelDirectory(in: root).path)"
        } catch {
            installed = "NOT installed (run flows/pdk-install.sh \(name))"
        }
        lines.append("  \(installed)")
        lines.append("  supplies: " + supplies.map { "\($0.name) \(number($0.nominal)) V (\(number($0.minimum))–\(number($0.maximum)))" }
            .joined(separator: ", ") + "; V_CM \(number(commonModeVoltage)) V; \(number(nominalTemperatureCelsius)) °C")
        lines.append("  corners: " + corners.map { $0.isDefault ? "\($0.name) (default)" : $0.name }.joined(separator: ", "))
        if let mismatchSwitch {
            lines.append("  mismatch switch: .param \(mismatchSwitch.name)=\(number(mismatchSwitch.onValue ?? 1))")
        }
        for device in devices {
            lines.append("  \(device.id): \(device.model)\(device.layoutName.map { " (\($0))" } ?? ""), "
                + "L \(number(device.length.minimum))–\(number(device.length.maximum)) µm, "
                + "W \(number(device.width.minimum))–\(number(device.width.maximum)) µm, grid \(number(device.length.grid)) µm, "
                + "|VDS| ≤ \(number(device.maxVDS)) V")
            var mismatch = "      A_VT model file \(number(device.modelMismatch.aVTmVum)) mV·µm"
            if let beta = device.modelMismatch.aBetaPercentUm { mismatch += ", A_β \(number(beta)) %·µm" }
            if let measured = device.characterizedMismatch {
                mismatch += String(format: "; measured A_VT %.3g [%.3g, %.3g] mV·µm, A_β %.3g [%.3g, %.3g] %%·µm",
                                   measured.aVT.value, measured.aVT.lower, measured.aVT.upper,
                                   measured.aBeta.value, measured.aBeta.lower, measured.aBeta.upper)
                    + " (\(measured.simulator), \(measured.pairsPerGeometry) pairs × \(measured.geometries) geometries)"
            } else {
                mismatch += "; not characterized (kn-map pdk characterize \(name))"
            }
            lines.append(mismatch)
        }
        for capacitor in capacitors {
            lines.append("  \(capacitor.id): \(capacitor.model) (\(capacitor.kind.rawValue)), "
                + "\(number(capacitor.densityFPerUm2 * 1e15)) fF/µm², side \(number(capacitor.minSideUm))–\(number(capacitor.maxSideUm)) µm")
        }
        if let lookupTablePath { lines.append("  gm/ID table: \(lookupTablePath)") }
        return lines.joined(separator: "\n")
    }
}

extension GmIDLookup {
    /// One finger's operating points along the |VGS| grid at fixed L, |VDS|, |VSB|: the data of the
    /// classic gm/ID charts (ID/W, fT and gm/gds against gm/ID) for `kn-map pdk plot`.
    public func curve(device: String, lengthUm: Double, vds: Double, vsb: Double = 0) throws -> [OperatingPoint] {
        try table.vgs.dropFirst().map { vgs in
            try operatingPoint(device: device, lengthUm: lengthUm, widthUm: table.fingerWidthUm, vgs: vgs, vds: vds, vsb: vsb)
        }
    }

    /// The chart data as CSV: one row per |VGS| point, per characterized length.
    public func chartCSV(device: String, vds: Double, vsb: Double = 0) throws -> String {
        var lines = ["L_um,VGS_V,ID_per_W_A_per_um,gm_over_ID_per_V,gds_over_ID_per_V,gm_over_gds,fT_Hz,VTH_V,VDSAT_V"]
        for length in try table.device(device).lengthsUm {
            for point in try curve(device: device, lengthUm: length, vds: vds, vsb: vsb) {
                lines.append([length, point.vgs, point.idPerWidth, point.gmOverID, point.gdsOverID, point.intrinsicGain,
                              point.transitFrequency, point.vth, point.vdsat].map { String(format: "%.6g", $0) }.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

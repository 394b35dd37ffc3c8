import Foundation

extension ProcessDescription {
    /// File name of the schema every process description follows.
    public static let schemaFileName = "kn-pdk.xsd"

    /// Reads and validates a process description.
    ///
    /// The file is validated against `schema` with libxml2 (`xmlSchemaValidateDoc`) before any value
    /// is read; the schema defaults to `kn-pdk.xsd` next to the file.
    ///
    /// - Throws: ``ProcessError`` naming the file, the line and the broken rule.
    public static func load(contentsOf file: URL, schema: URL? = nil) throws -> ProcessDescription {
        let schemaURL = schema ?? file.deletingLastPathComponent().appendingPathComponent(schemaFileName)
        let document = try XMLSchemaValidator.parseAndValidate(file: file, schema: schemaURL)
        guard let root = document.root else {
            throw ProcessError.malformedXML(file: file.path, issues: [XMLIssue(line: 0, message: "no root element")])
        }
        return try ProcessDescriptionReader(file: file.path).read(root, fileURL: file)
    }
}

/// Turns a schema-valid `<process>` element into typed values, checking what the schema cannot.
private struct ProcessDescriptionReader {
    let file: String

    func read(_ root: XMLElementView, fileURL: URL) throws -> ProcessDescription {
        let sourceElement = try required(root, "source")
        let source = ModelSource(
            package: try string(sourceElement, "package"),
            version: try string(sourceElement, "version"),
            archive: try string(sourceElement, "archive"),
            sha256: try string(sourceElement, "sha256"),
            modelRoot: try path(sourceElement, "modelRoot"),
            license: try string(sourceElement, "license"))

        let suppliesElement = try required(root, "supplies")
        let supplies = try suppliesElement.children("supply").map { element -> Supply in
            let supply = Supply(name: try string(element, "name"), nominal: try double(element, "nominal"),
                                minimum: try double(element, "min"), maximum: try double(element, "max"))
            guard supply.minimum <= supply.nominal, supply.nominal <= supply.maximum else {
                throw ProcessError.inconsistent(file: file, line: element.line,
                    message: "supply \(supply.name) has nominal \(supply.nominal) V outside min \(supply.minimum) V … max \(supply.maximum) V",
                    fix: "make min ≤ nominal ≤ max")
            }
            return supply
        }
        let commonModeElement = try required(suppliesElement, "commonMode")
        let commonMode = try double(commonModeElement, "nominal")
        let vdd = supplies.first { $0.name.uppercased() == "VDD" } ?? supplies[0]
        guard commonMode > 0, commonMode < vdd.nominal else {
            throw ProcessError.inconsistent(file: file, line: commonModeElement.line,
                message: "commonMode \(commonMode) V is not between 0 V and \(vdd.name) = \(vdd.nominal) V",
                fix: "choose a common-mode voltage inside the supply range")
        }
        let temperature = try double(try required(suppliesElement, "temperature"), "nominalCelsius")

        let modelsElement = try required(root, "models")
        let options = try modelsElement.children("option").map {
            NetlistOption(name: try string($0, "name"), value: try string($0, "value"))
        }
        let parameters = try modelsElement.children("parameter").map { element -> ModelParameter in
            let roleText = element.attribute("role") ?? "fixed"
            guard let role = ModelParameter.Role(rawValue: roleText) else {
                throw ProcessError.inconsistent(file: file, line: element.line, message: "unknown role '\(roleText)'",
                                                fix: "use fixed, mismatchSwitch or globalSwitch")
            }
            let onValue = try element.attribute("onValue").map { _ in try double(element, "onValue") }
            if role != .fixed, onValue == nil {
                throw ProcessError.inconsistent(file: file, line: element.line,
                    message: "switch parameter '\(try string(element, "name"))' has no onValue",
                    fix: "add onValue=\"1\" (the value that turns the switch on)")
            }
            return ModelParameter(name: try string(element, "name"), value: try double(element, "value"),
                                  role: role, onValue: onValue)
        }
        let corners = try modelsElement.children("corner").map { element in
            Corner(name: try string(element, "name"),
                   isDefault: try bool(element, "default", default: false),
                   files: try element.children("file").map(modelFile))
        }
        let defaults = modelsElement.children("corner").filter { (try? bool($0, "default", default: false)) == true }
        guard defaults.count == 1 else {
            throw ProcessError.inconsistent(file: file, line: modelsElement.line,
                message: "\(defaults.count) corners are marked default=\"true\"",
                fix: "mark exactly one corner (usually tt) default=\"true\"")
        }

        let devices = try required(root, "devices").children("mosfet").map(device)
        let capacitors = try required(root, "capacitors").children("capacitor").map(capacitor)
        let lookupTable = try root.child("lookupTable").map { try path($0, "path") }

        return ProcessDescription(
            name: try string(root, "name"), foundry: try string(root, "foundry"),
            summary: root.child("description")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? "",
            source: source, supplies: supplies, commonModeVoltage: commonMode,
            nominalTemperatureCelsius: temperature, options: options, parameters: parameters,
            corners: corners, devices: devices, capacitors: capacitors,
            lookupTablePath: lookupTable, fileURL: fileURL)
    }

    private func device(_ element: XMLElementView) throws -> DeviceModel {
        let terminals = try string(element, "terminals").split(separator: " ").map { token -> Terminal in
            guard let terminal = Terminal(rawValue: String(token)) else {
                throw ProcessError.inconsistent(file: file, line: element.line, message: "unknown terminal '\(token)'",
                                                fix: "use d, g, s and b")
            }
            return terminal
        }
        guard Set(terminals).count == 4 else {
            throw ProcessError.inconsistent(file: file, line: element.line,
                message: "terminals '\(terminals.map(\.rawValue).joined(separator: " "))' name a terminal twice",
                fix: "list each of d, g, s, b once, in the order of the model's subcircuit line")
        }
        let voltage = try required(element, "maxVoltage")
        let mismatch = try required(element, "modelMismatch")
        let characterized = try element.child("characterizedMismatch").map { node -> CharacterizedMismatch in
            CharacterizedMismatch(
                aVT: try estimate(try required(node, "aVT")), aBeta: try estimate(try required(node, "aBeta")),
                pairsPerGeometry: try integer(node, "pairsPerGeometry"), geometries: try integer(node, "geometries"),
                simulator: try string(node, "simulator"), corner: try string(node, "corner"),
                perGeometry: try node.children("geometry").map { geometry in
                    let width = try double(geometry, "widthUm"), length = try double(geometry, "lengthUm")
                    let root = (width * length).squareRoot()
                    return GeometryMismatch(widthUm: width, lengthUm: length, pairs: try integer(geometry, "pairs"),
                                            sigmaDeltaVT: try double(geometry, "aVTmVum") / 1e3 / root,
                                            sigmaDeltaBeta: try double(geometry, "aBetaPercentUm") / 100 / root)
                })
        }
        return DeviceModel(
            id: try string(element, "id"),
            polarity: try polarity(element),
            model: try string(element, "model"),
            layoutName: element.attribute("layoutName"),
            instancePrefix: try string(element, "instancePrefix"),
            terminals: terminals,
            scale: try double(element, "scale"),
            multiplier: try string(element, "multiplier"),
            multiplierScalesCurrent: try bool(element, "multiplierScalesCurrent", default: false),
            fingers: element.attribute("fingers"),
            internalDevice: try string(element, "internalDevice"),
            length: try range(try required(element, "length")),
            width: try range(try required(element, "width")),
            maxVDS: try double(voltage, "vds"), maxVGS: try double(voltage, "vgs"),
            modelMismatch: PelgromCoefficients(
                aVTmVum: try double(mismatch, "aVTmVum"),
                aBetaPercentUm: try mismatch.attribute("aBetaPercentUm").map { _ in try double(mismatch, "aBetaPercentUm") },
                basis: try string(mismatch, "basis")),
            characterizedMismatch: characterized)
    }

    private func capacitor(_ element: XMLElementView) throws -> CapacitorOption {
        let kindText = try string(element, "kind")
        guard let kind = CapacitorOption.Kind(rawValue: kindText) else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "unknown capacitor kind '\(kindText)'",
                                            fix: "use mim, mom or mos")
        }
        let minSide = try double(element, "minSideUm"), maxSide = try double(element, "maxSideUm")
        guard minSide <= maxSide else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "minSideUm \(minSide) exceeds maxSideUm \(maxSide)",
                                            fix: "swap or correct the bounds")
        }
        return CapacitorOption(
            id: try string(element, "id"), kind: kind, model: try string(element, "model"),
            terminals: try string(element, "terminals").split(separator: " ").map(String.init),
            densityFPerUm2: try double(element, "densityFPerUm2"),
            perimeterFPerUm: try element.attribute("perimeterFPerUm").map { _ in try double(element, "perimeterFPerUm") } ?? 0,
            sideBiasUm: try element.attribute("sideBiasUm").map { _ in try double(element, "sideBiasUm") } ?? 0,
            unitCountParameter: element.attribute("unitCountParameter"),
            minSideUm: minSide, maxSideUm: maxSide,
            maxVoltage: try double(element, "maxVoltage"), files: try element.children("file").map(modelFile))
    }

    private func modelFile(_ element: XMLElementView) throws -> ModelFile {
        ModelFile(path: try path(element, "path"), section: element.attribute("section"))
    }

    private func range(_ element: XMLElementView) throws -> GeometryRange {
        let result = GeometryRange(minimum: try double(element, "minUm"), maximum: try double(element, "maxUm"),
                                   grid: try double(element, "gridUm"))
        guard result.minimum <= result.maximum, result.grid <= result.minimum else {
            throw ProcessError.inconsistent(file: file, line: element.line,
                message: "<\(element.name)> has minUm \(result.minimum), maxUm \(result.maximum), gridUm \(result.grid)",
                fix: "make gridUm ≤ minUm ≤ maxUm")
        }
        return result
    }

    private func estimate(_ element: XMLElementView) throws -> Estimate {
        let result = Estimate(value: try double(element, "value"), lower: try double(element, "lower"),
                              upper: try double(element, "upper"))
        guard result.lower <= result.value, result.value <= result.upper else {
            throw ProcessError.inconsistent(file: file, line: element.line,
                message: "<\(element.name)> value \(result.value) is outside its interval \(result.lower) … \(result.upper)",
                fix: "regenerate the coefficients with `kn-map pdk characterize`")
        }
        return result
    }

    private func polarity(_ element: XMLElementView) throws -> Polarity {
        let text = try string(element, "polarity")
        guard let polarity = Polarity(rawValue: text) else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "unknown polarity '\(text)'", fix: "use n or p")
        }
        return polarity
    }

    private func required(_ element: XMLElementView, _ name: String) throws -> XMLElementView {
        guard let child = element.child(name) else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "<\(element.name)> has no <\(name)>",
                                            fix: "add the <\(name)> element the schema requires")
        }
        return child
    }

    private func string(_ element: XMLElementView, _ name: String) throws -> String {
        guard let value = element.attribute(name) else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "<\(element.name)> has no attribute \(name)",
                                            fix: "add \(name)=\"…\"")
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    private func path(_ element: XMLElementView, _ name: String) throws -> String {
        let value = try string(element, name)
        guard !value.hasPrefix("/"), !value.split(separator: "/").contains("..") else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "path '\(value)' leaves the PDK root",
                                            fix: "give a path relative to the model root without '..'")
        }
        return value
    }

    private func double(_ element: XMLElementView, _ name: String) throws -> Double {
        let text = try string(element, name)
        guard let value = Double(text), value.isFinite else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "\(name)=\"\(text)\" is not a number",
                                            fix: "write a decimal number")
        }
        return value
    }

    private func integer(_ element: XMLElementView, _ name: String) throws -> Int {
        let text = try string(element, name)
        guard let value = Int(text) else {
            throw ProcessError.inconsistent(file: file, line: element.line, message: "\(name)=\"\(text)\" is not an integer",
                                            fix: "write a whole number")
        }
        return value
    }

    private func bool(_ element: XMLElementView, _ name: String, default fallback: Bool) throws -> Bool {
        guard let text = element.attribute(name) else { return fallback }
        switch text.trimmingCharacters(in: .whitespaces) {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw ProcessError.inconsistent(file: file, line: element.line, message: "\(name)=\"\(text)\" is not a boolean",
                                            fix: "write true or false")
        }
    }
}

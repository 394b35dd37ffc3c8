// KNImport: see Package.swift.

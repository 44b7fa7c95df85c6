import CALSA

/// Versions of the ALSA library this build links.
public enum ALSAVersion {
    /// alsa-lib's version string, e.g. "1.2.8".
    public static var library: String { String(cString: snd_asoundlib_version()) }
}

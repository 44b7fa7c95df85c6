import CALSA

/// Process-wide facts and controls of alsa-lib.
public enum ALSALibrary {
    /// alsa-lib's version string, e.g. "1.2.8".
    public static var version: String { String(cString: snd_asoundlib_version()) }

    /// Whether the machine has at least one sound card (snd_card_next finds card 0 or above).
    public static var hasSoundCard: Bool {
        var card: Int32 = -1
        return snd_card_next(&card) >= 0 && card >= 0
    }

    /// Makes ALSA re-read its configuration files on the next open, e.g. after `ALSA_CONFIG_PATH`
    /// was changed with setenv. ALSA caches its parsed configuration for the whole process; this frees
    /// the cache (snd_config_update_free_global). Call it only while no device is being opened.
    public static func reloadConfiguration() {
        snd_config_update_free_global()
    }
}

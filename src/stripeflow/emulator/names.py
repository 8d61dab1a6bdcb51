"""Word lists the data generator draws realistic names, addresses and product names from."""

from __future__ import annotations

FIRST_NAMES = (
    "Jenny", "Liam", "Olivia", "Noah", "Emma", "Oliver", "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo",
    "Amelia", "Levi", "Harper", "Asher", "Evelyn", "James", "Luna", "Leo", "Camila", "Ezra", "Aria", "Kai",
    "Nora", "Hiro", "Yuki", "Priya", "Arjun", "Fatima", "Omar", "Chloe", "Jonas", "Lea", "Mohammed", "Sara",
    "Diego", "Lucia", "Chen", "Wei", "Anna", "Pierre", "Camille", "Giulia", "Marco", "Ingrid", "Lars", "Zoe",
)  # fmt: skip

LAST_NAMES = (
    "Rosen", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Martin",
    "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "Nakamura",
    "Sato", "Patel", "Sharma", "Khan", "Nguyen", "Müller", "Schmidt", "Dubois", "Rossi", "Larsen", "Kowalski",
)  # fmt: skip

EMAIL_DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example.com", "shop.example.io")

#: (city, state, postal code, country, street)
ADDRESSES = (
    ("San Francisco", "CA", "94103", "US", "Market Street"),
    ("New York", "NY", "10001", "US", "Broadway"),
    ("Austin", "TX", "78701", "US", "Congress Avenue"),
    ("Seattle", "WA", "98101", "US", "Pike Street"),
    ("Chicago", "IL", "60601", "US", "Michigan Avenue"),
    ("Boston", "MA", "02108", "US", "Beacon Street"),
    ("Toronto", "ON", "M5H 2N2", "CA", "Bay Street"),
    ("London", None, "EC1A 1BB", "GB", "Old Street"),
    ("Manchester", None, "M1 1AE", "GB", "Deansgate"),
    ("Dublin", None, "D02 X285", "IE", "Grafton Street"),
    ("Paris", None, "75001", "FR", "Rue de Rivoli"),
    ("Berlin", None, "10115", "DE", "Invalidenstraße"),
    ("Sydney", "NSW", "2000", "AU", "George Street"),
    ("Melbourne", "VIC", "3000", "AU", "Collins Street"),
)

#: (product name, description)
PRODUCTS = (
    ("Starter plan", "For individuals getting started"),
    ("Team plan", "Collaboration for small teams"),
    ("Business plan", "Advanced controls for growing companies"),
    ("Enterprise plan", "Custom limits and support"),
    ("Extra seats", "Additional user seats"),
    ("Storage add-on", "100 GB of extra storage"),
    ("Priority support", "Four-hour response time"),
    ("T-shirt", "Comfortable gray cotton t-shirt"),
    ("Hoodie", "Zip hoodie with logo"),
    ("Sticker pack", "Ten vinyl stickers"),
    ("Onboarding session", "One-hour guided setup"),
    ("API credits", "Prepaid API usage"),
)

CHARGE_DESCRIPTIONS = (
    "Subscription creation",
    "Subscription update",
    "Order #{n}",
    "Invoice {n}",
    "Payment for order {n}",
    None,
)

CARD_BRANDS = (("visa", 0.55), ("mastercard", 0.3), ("amex", 0.1), ("discover", 0.05))
CARD_COUNTRIES = ("US", "US", "US", "GB", "CA", "FR", "DE", "AU")

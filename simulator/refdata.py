"""Static reference data the simulated retailer draws from."""

from __future__ import annotations

import numpy as np

# country, share of customers, order currency, tax rate, cities, postal code digits
COUNTRIES = ["US", "GB", "DE", "FR", "CA", "ES", "IT", "NL"]
COUNTRY_WEIGHTS = np.array([0.50, 0.15, 0.10, 0.08, 0.08, 0.03, 0.03, 0.03])
COUNTRY_CURRENCY = ["USD", "GBP", "EUR", "EUR", "CAD", "EUR", "EUR", "EUR"]
TAX_RATE = np.array([0.07, 0.20, 0.19, 0.20, 0.13, 0.21, 0.22, 0.21])
POSTAL_DIGITS = [5, 4, 5, 5, 4, 5, 5, 4]
CITIES = [
    ["New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Seattle", "Denver", "Boston"],
    ["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol"],
    ["Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Leipzig"],
    ["Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Lille"],
    ["Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa"],
    ["Madrid", "Barcelona", "Valencia", "Seville"],
    ["Rome", "Milan", "Naples", "Turin"],
    ["Amsterdam", "Rotterdam", "Utrecht", "The Hague"],
]
# USD -> currency, fixed so that prices are reproducible
FX_FROM_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36}

# fmt: off
FIRST_NAMES = np.array(
    [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
        "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
        "Sarah", "Charles", "Karen", "Emma", "Noah", "Olivia", "Liam", "Ava", "Lucas", "Mia",
        "Leon", "Sofia", "Hugo", "Chloe", "Mateo", "Lucia", "Marco", "Giulia", "Finn", "Anna",
        "Jan", "Eva", "Louis", "Alice", "Oliver", "Amelia", "Jack", "Isla",
    ]
)
LAST_NAMES = np.array(
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee",
        "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker",
        "Adams", "Nelson", "Hill", "Campbell", "Muller", "Schmidt", "Schneider", "Fischer",
        "Dubois", "Lefebvre", "Moreau", "Rossi", "Russo", "Ferrari", "Lopez", "Gonzalez",
        "Jansen", "Visser", "Bakker", "Evans", "Roberts", "Wood",
    ]
)
STREETS = np.array(
    [
        "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Park", "Lake", "Hill", "Church",
        "High", "Station", "Mill", "River", "Victoria", "King", "Queen", "Market", "Bridge",
        "Garden",
    ]
)
# fmt: on
STREET_KINDS = np.array(["St", "Ave", "Rd", "Lane", "Way"])
EMAIL_DOMAINS = np.array(["example.com", "mail.example", "inbox.example", "post.example"])

# two-level category tree: top level -> leaves
CATEGORY_TREE = {
    "Apparel": ["T-Shirts", "Jeans", "Jackets", "Dresses"],
    "Footwear": ["Sneakers", "Boots", "Sandals"],
    "Home & Kitchen": ["Cookware", "Bedding", "Decor", "Storage"],
    "Electronics": ["Headphones", "Chargers", "Smart Home"],
    "Beauty": ["Skincare", "Fragrance", "Haircare"],
    "Sports & Outdoors": ["Camping", "Fitness", "Cycling"],
}
# fmt: off
BRANDS = np.array(
    [
        "Northwind", "Contoso", "Fabrikam", "Acme", "Globex", "Initech", "Umbrella", "Stark",
        "Wayne", "Hooli", "Vandelay", "Soylent", "Pied", "Piper", "Tyrell", "Wonka",
        "Gringotts", "Oceanic", "Cyberdyne",
    ]
)
ADJECTIVES = np.array(
    [
        "Classic", "Urban", "Essential", "Premium", "Everyday", "Vintage", "Modern", "Active",
        "Cozy", "Sleek", "Rugged", "Light",
    ]
)
# fmt: on
# typical USD price range (low, high) per top-level category, same order as CATEGORY_TREE
PRICE_RANGE = [(12, 120), (40, 180), (10, 150), (15, 300), (8, 90), (15, 250)]

METHODS = np.array(["card", "paypal", "gift_card", "bank_transfer"])
METHOD_WEIGHTS = np.array([0.68, 0.22, 0.04, 0.06])
CHANNELS = np.array(["web", "mobile", "marketplace"])
CHANNEL_WEIGHTS = np.array([0.55, 0.27, 0.18])
DEVICES = np.array(["desktop", "mobile", "tablet"])
DEVICE_WEIGHTS = np.array([0.5, 0.4, 0.1])

# marketing channel -> (utm_source options, utm_medium)
CAMPAIGN_CHANNELS = {
    "paid_search": (["google", "bing"], "cpc"),
    "paid_social": (["facebook", "instagram", "tiktok"], "paid_social"),
    "display": (["gdn", "criteo"], "display"),
    "email": (["newsletter"], "email"),
    "affiliate": (["awin", "rakuten"], "affiliate"),
}
# fmt: off
CAMPAIGN_THEMES = np.array(
    [
        "spring_sale", "summer_sale", "back_to_school", "black_friday", "holiday",
        "new_arrivals", "clearance", "brand", "retargeting", "loyalty", "free_shipping",
        "flash_deal",
    ]
)
# fmt: on

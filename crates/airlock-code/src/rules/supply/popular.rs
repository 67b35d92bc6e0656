//! Widely used package names, for the one-edit-away check. Lists of the most
//! depended-upon packages; a name here is never itself a finding.

pub(crate) static NPM_POPULAR: &[&str] = &[
    "react", "react-dom", "lodash", "express", "axios", "chalk", "commander", "debug", "moment", "request",
    "typescript", "webpack", "babel-core", "eslint", "prettier", "jest", "mocha", "chai", "underscore", "async",
    "bluebird", "uuid", "classnames", "prop-types", "redux", "react-redux", "vue", "angular", "jquery", "rxjs",
    "tslib", "core-js", "dotenv", "yargs", "minimist", "glob", "rimraf", "mkdirp", "semver", "fs-extra",
    "body-parser", "cookie-parser", "cors", "helmet", "morgan", "mongoose", "mongodb", "mysql", "mysql2", "pg",
    "sequelize", "redis", "ioredis", "socket.io", "ws", "jsonwebtoken", "bcrypt", "bcryptjs", "passport",
    "nodemailer", "node-fetch", "cross-env", "nodemon", "next", "nuxt", "svelte", "vite", "rollup", "esbuild",
    "electron", "puppeteer", "playwright", "cheerio", "dayjs", "date-fns", "immutable", "ramda", "zod", "yup",
    "joi", "ajv", "graphql", "apollo-server", "styled-components", "tailwindcss", "postcss", "autoprefixer",
    "sass", "less", "inquirer", "ora", "colors", "lodash.merge", "qs", "querystring", "form-data", "superagent",
    "supertest", "sinon", "nock", "karma", "jasmine", "cypress", "winston", "pino", "bunyan", "handlebars",
    "ejs", "pug", "marked", "highlight.js", "crypto-js", "node-sass", "shelljs", "execa", "cross-spawn",
    "chokidar", "http-proxy", "http-server", "serve", "koa", "fastify", "hapi", "restify", "multer",
    "busboy", "sharp", "jimp", "xml2js", "js-yaml", "yaml", "ini", "toml", "papaparse", "csv-parse",
    "openai", "@anthropic-ai/sdk", "discord.js", "telegraf", "stripe", "aws-sdk", "firebase", "electron-builder",
];

pub(crate) static PYPI_POPULAR: &[&str] = &[
    "requests", "urllib3", "numpy", "pandas", "scipy", "matplotlib", "django", "flask", "fastapi", "pydantic",
    "sqlalchemy", "boto3", "botocore", "setuptools", "wheel", "pip", "six", "python-dateutil", "pytz", "pyyaml",
    "certifi", "idna", "charset-normalizer", "chardet", "cryptography", "pyopenssl", "jinja2", "markupsafe",
    "click", "attrs", "packaging", "pytest", "coverage", "tox", "black", "flake8", "pylint", "mypy", "isort",
    "scikit-learn", "tensorflow", "torch", "torchvision", "keras", "transformers", "tokenizers", "huggingface-hub",
    "pillow", "opencv-python", "beautifulsoup4", "lxml", "selenium", "scrapy", "celery", "redis", "pymongo",
    "psycopg2", "psycopg2-binary", "mysqlclient", "pymysql", "aiohttp", "httpx", "uvicorn", "gunicorn",
    "werkzeug", "itsdangerous", "jsonschema", "protobuf", "grpcio", "google-api-python-client", "openai",
    "anthropic", "langchain", "tqdm", "colorama", "rich", "typer", "docker", "kubernetes", "paramiko",
    "fabric", "pyjwt", "python-jose", "passlib", "bcrypt", "argon2-cffi", "authlib", "oauthlib",
    "requests-oauthlib", "simplejson", "ujson", "orjson", "msgpack", "toml", "tomli", "filelock", "virtualenv",
    "pyparsing", "decorator", "wrapt", "future", "pandas-datareader", "seaborn", "plotly", "dash", "networkx",
    "sympy", "nltk", "spacy", "gensim", "xgboost", "lightgbm", "statsmodels", "openpyxl", "xlrd", "pyarrow",
    "dask", "numba", "cython", "pytest-cov", "mock", "responses", "faker", "hypothesis", "alembic",
    "marshmallow", "websockets", "twisted", "tornado", "gevent", "eventlet", "python-dotenv", "loguru",
];
